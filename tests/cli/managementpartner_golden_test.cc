// `pal managementpartner` against a real `pal serve --dev-issuer` over TLS on the demo world: the Azure CLI's
// verbs, its flat sorted JSON in every output format (golden files, times normalised), its error format and
// exit codes, and TLS verification.
#include <gtest/gtest.h>

#include "api/tls.h"
#include "links_process.h"
#include "support/dev_world.h"

namespace openpal::testing {
namespace {

const std::string kGolden = OPENPAL_SOURCE_DIR "/tests/cli/links_golden";
// Anna Alpine, member of Alpine Ski House (T04): no link in the demo world.
const std::string kTenant = "10000000-0000-4000-8000-000000000004";
const std::string kAnna = "30000000-0000-4000-8000-040000000001";

class ManagementPartnerCommand : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { world_.Start("mp"); }
  static void TearDownTestSuite() { world_.Stop(); }
  void SetUp() override { ASSERT_EQ(world_.error, ""); }

  // `pal managementpartner VERB ...` as Anna, trusting the server's certificate.
  static ProcessResult Az(const std::string& verb, std::vector<std::string> args) {
    args.insert(args.begin(), {"managementpartner", verb, "--endpoint", Endpoint(), "--ca-file", world_.cert, "--tenant",
                               kTenant, "--object", kAnna, "--db", world_.db});
    return RunPal(args, {.timeout_seconds = 30});
  }
  static std::string Endpoint() { return world_.Endpoint(); }
  static inline DevWorld world_;
};

TEST_F(ManagementPartnerCommand, TheLifeOfALinkAsTheAzureCliPrintsIt) {
  // Not linked yet: the service's 404, printed as az prints an ODataV4 error, exit 1.
  ProcessResult none = Az("show", {});
  EXPECT_EQ(none.exit_code, 1);
  EXPECT_EQ(none.out, "");
  EXPECT_EQ(CheckGolden(kGolden, "managementpartner_show_unlinked.err", none.err), "");

  ProcessResult create = Az("create", {"--partner-id", "4100011"});
  ASSERT_EQ(create.exit_code, 0) << create.err;
  EXPECT_EQ(CheckGolden(kGolden, "managementpartner_create.json", NormaliseTimes(create.out)), "");

  // Every output format of `show`, without --partner-id (GET .../partners/: whatever is linked).
  for (const std::string format : {"json", "jsonc", "table", "tsv", "yaml"}) {
    ProcessResult show = Az("show", {"--output", format});
    ASSERT_EQ(show.exit_code, 0) << format << ": " << show.err;
    EXPECT_EQ(CheckGolden(kGolden, "managementpartner_show." + format, NormaliseTimes(show.out)), "") << format;
  }

  // A global ID cannot be linked: the service's message names the location IDs to use.
  ProcessResult global = Az("update", {"--partner-id", "4100001"});
  EXPECT_EQ(global.exit_code, 1);
  EXPECT_EQ(CheckGolden(kGolden, "managementpartner_update_global.err", global.err), "");

  ProcessResult update = Az("update", {"--partner-id", "4100012", "-o", "tsv"});
  ASSERT_EQ(update.exit_code, 0) << update.err;
  EXPECT_EQ(CheckGolden(kGolden, "managementpartner_update.tsv", NormaliseTimes(update.out)), "");

  ProcessResult shown = Az("show", {"--partner-id", "4100011"});  // linked, but to another ID now
  EXPECT_EQ(shown.exit_code, 1);

  ProcessResult del = Az("delete", {"--partner-id", "4100012"});
  EXPECT_EQ(del.exit_code, 0) << del.err;
  EXPECT_EQ(del.out, "");  // az prints nothing for delete
  ProcessResult gone = Az("show", {});
  EXPECT_EQ(gone.exit_code, 1);
  EXPECT_EQ(gone.err, none.err);
}

TEST_F(ManagementPartnerCommand, TheServersCertificateMustBeTrusted) {
  ProcessResult r = RunPal({"managementpartner", "show", "--endpoint", Endpoint(), "--tenant", kTenant, "--object", kAnna,
                     "--db", world_.db}, {.timeout_seconds = 30});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("--ca-file"), std::string::npos) << r.err;
}

TEST_F(ManagementPartnerCommand, TheTokenComesFromTheFlagOrTheEnvironment) {
  ProcessResult token = RunPal({"token", "--db", world_.db, "--tenant", kTenant, "--object", kAnna});
  ASSERT_EQ(token.exit_code, 0) << token.err;
  std::string jwt = token.out.substr(0, token.out.find('\n'));
  ProcessResult by_env = RunPal({"managementpartner", "create", "--partner-id", "4100011", "--ca-file", world_.cert, "-o", "tsv"}, {.env = {"OPENPAL_TOKEN=" + jwt, "OPENPAL_ENDPOINT=" + Endpoint()}, .timeout_seconds = 30});
  EXPECT_EQ(by_env.exit_code, 0) << by_env.err;
  EXPECT_NE(by_env.out.find("\t4100011\t"), std::string::npos) << by_env.out;
  ProcessResult by_flag = RunPal({"managementpartner", "delete", "--partner-id", "4100011", "--ca-file", world_.cert, "--endpoint",
                           Endpoint(), "--token", jwt}, {.timeout_seconds = 30});
  EXPECT_EQ(by_flag.exit_code, 0) << by_flag.err;
  ProcessResult garbage = RunPal({"managementpartner", "show", "--ca-file", world_.cert, "--endpoint", Endpoint(), "--token", "x"}, {.timeout_seconds = 30});
  EXPECT_EQ(garbage.exit_code, 1);
  EXPECT_NE(garbage.err.find("ERROR: (InvalidAuthenticationToken)"), std::string::npos) << garbage.err;
}

TEST_F(ManagementPartnerCommand, BadUsageExitsTwo) {
  EXPECT_EQ(RunPal({"managementpartner", "create"}).exit_code, 2);  // --partner-id is required
  ProcessResult no_endpoint = RunPal({"managementpartner", "show", "--token", "x"}, {.env = {"OPENPAL_ENDPOINT="}, .timeout_seconds = 30});
  EXPECT_EQ(no_endpoint.exit_code, 2);
  EXPECT_NE(no_endpoint.err.find("--endpoint"), std::string::npos);
  ProcessResult no_token = RunPal({"managementpartner", "show", "--endpoint", Endpoint()}, {.env = {"OPENPAL_TOKEN="}, .timeout_seconds = 30});
  EXPECT_EQ(no_token.exit_code, 2);
  EXPECT_NE(no_token.err.find("--token"), std::string::npos);
  EXPECT_EQ(RunPal({"managementpartner", "show", "--output", "xml", "--token", "x"}).exit_code, 2);
}

}  // namespace
}  // namespace openpal::testing
