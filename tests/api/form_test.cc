// The token endpoint's form parser (src/api/form.h): what OAuth clients send, and what an attacker might.
#include "api/form.h"

#include <gtest/gtest.h>

namespace openpal::api {
namespace {

TEST(Form, DecodesWhatMsalSends) {
  auto form = ParseForm(
      "client_id=a0000000-0000-4000-8000-010000000001&grant_type=client_credentials&client_info=1&"
      "scope=https%3A%2F%2Fmanagement.core.windows.net%2F%2F.default&client_secret=pal_x%2By+z");
  ASSERT_TRUE(form.ok()) << form.status().ToString();
  EXPECT_EQ(form->GetOr("grant_type"), "client_credentials");
  EXPECT_EQ(form->GetOr("scope"), "https://management.core.windows.net//.default");
  EXPECT_EQ(form->GetOr("client_secret"), "pal_x+y z");  // %2B is '+', '+' is a space
  EXPECT_EQ(form->fields().size(), 5u);
  EXPECT_FALSE(form->Get("Grant_Type"));  // OAuth parameter names are case-sensitive
}

TEST(Form, EmptyPairsAndValuesAndNoEquals) {
  auto form = ParseForm("&&a=&b&&c=1=2&");
  ASSERT_TRUE(form.ok()) << form.status().ToString();
  EXPECT_EQ(form->fields().size(), 3u);
  EXPECT_EQ(*form->Get("a"), "");
  EXPECT_EQ(*form->Get("b"), "");
  EXPECT_EQ(*form->Get("c"), "1=2");  // only the first '=' splits
  EXPECT_TRUE(ParseForm("")->fields().empty());
}

// RFC 6749 §3.2: a parameter sent twice is an error, never "the first wins" (two components could disagree).
TEST(Form, RepeatedParameterIsRefused) {
  auto form = ParseForm("grant_type=client_credentials&client_id=x&grant_type=authorization_code");
  ASSERT_FALSE(form.ok());
  EXPECT_EQ(form.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(form.status().message().find("'grant_type' sent more than once"), std::string::npos);
  EXPECT_NE(form.status().ToString().find("form parameter 3"), std::string::npos);
  // The same name spelled with an escape is the same name.
  EXPECT_FALSE(ParseForm("code=1&c%6fde=2").ok());
}

TEST(Form, MalformedEscapesAreRefused) {
  for (const char* body : {"a=%", "a=%4", "a=%G1", "a=1%2", "%zz=1", "a=%%41"}) {
    auto form = ParseForm(body);
    EXPECT_FALSE(form.ok()) << body;
  }
  EXPECT_EQ(*ParseForm("a=%41%62%00x")->Get("a"), std::string("Ab\0x", 4));  // any byte decodes, NUL included
}

TEST(Form, NamelessAndTooManyParameters) {
  EXPECT_FALSE(ParseForm("=value").ok());
  std::string body;
  for (size_t i = 0; i < kMaxFormFields; ++i) body += "p" + std::to_string(i) + "=1&";
  EXPECT_TRUE(ParseForm(body).ok());
  auto over = ParseForm(body + "one_more=1");
  ASSERT_FALSE(over.ok());
  EXPECT_NE(over.status().message().find("more than 64"), std::string::npos);
}

TEST(Form, ContentType) {
  EXPECT_TRUE(IsFormContentType("application/x-www-form-urlencoded"));
  EXPECT_TRUE(IsFormContentType("Application/X-WWW-Form-Urlencoded; charset=utf-8"));
  EXPECT_TRUE(IsFormContentType(" application/x-www-form-urlencoded ;charset=UTF-8"));
  EXPECT_FALSE(IsFormContentType("application/json"));
  EXPECT_FALSE(IsFormContentType("application/x-www-form-urlencodedx"));
  EXPECT_FALSE(IsFormContentType(""));
}

}  // namespace
}  // namespace openpal::api
