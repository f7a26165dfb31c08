// The command line's result table: amounts for people, fitting the width, colour, CSV/TSV quoting, JSON types.
#include <gtest/gtest.h>

#include <sstream>

#include "cli/table.h"

namespace openpal::cli {
namespace {

usage::Money M(const char* text) { return *usage::ParseMoney(text); }

TEST(FormatAmount, RoundsHalfAwayFromZeroToCentsAndGroupsThousands) {
  EXPECT_EQ(FormatAmount(M("1234.565")), "1,234.57");
  EXPECT_EQ(FormatAmount(M("-1234.565")), "-1,234.57");
  EXPECT_EQ(FormatAmount(M("0.004")), "0.00");
  EXPECT_EQ(FormatAmount(M("-0.004")), "0.00") << "no negative zero";
  EXPECT_EQ(FormatAmount(M("999999.995")), "1,000,000.00");
  EXPECT_EQ(FormatAmount(M("12")), "12.00");
  EXPECT_EQ(FormatAmount(M("1234567.891"), 0), "1,234,568");
  EXPECT_EQ(FormatAmount(M("0.0000000001"), 10), "0.0000000001");
}

Table Sample() {
  Table t({{"id", "ID", false, true}, {"name", "Name", false}, {"rows", "Rows", true}, {"cost", "Cost", true}});
  t.AddRow({"4100011", "Contoso Managed Services, Seattle", "12", "1234.5"}, {"4100011", "Contoso Managed Services, Seattle", "12", "1,234.50"});
  t.AddRow({"4200011", "Fabrikam \"Berlin\"\tGmbH", "7", "3"}, {"4200011", "Fabrikam", "7", "3.00"});
  t.AddTotal({"Total", "", "19", "1237.5"}, {"Total", "", "19", "1,237.50"});
  return t;
}

TEST(Table, TextRightAlignsNumbersAndSeparatesTotalsWithARule) {
  std::ostringstream out;
  Sample().WriteText(TextStyle{}, out);
  EXPECT_EQ(out.str(),
            "ID       Name                               Rows      Cost\n"
            "-------  ---------------------------------  ----  --------\n"
            "4100011  Contoso Managed Services, Seattle    12  1,234.50\n"
            "4200011  Fabrikam                              7      3.00\n"
            "-------  ---------------------------------  ----  --------\n"
            "Total                                         19  1,237.50\n");
}

TEST(Table, ANarrowTerminalCutsNamesFirstWithAnEllipsis) {
  std::ostringstream out;
  Sample().WriteText(TextStyle{40, false}, out);
  std::istringstream lines(out.str());
  std::string line;
  while (std::getline(lines, line)) EXPECT_LE(DisplayWidth(line), 40u) << line;
  EXPECT_NE(out.str().find("4100011  Contoso Manage…"), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("1,234.50"), std::string::npos) << "numbers are never cut";
}

TEST(Table, ColourOnlyWhenAskedBoldHeaderAndTotals) {
  std::ostringstream plain, coloured;
  Sample().WriteText(TextStyle{0, false}, plain);
  Sample().WriteText(TextStyle{0, true}, coloured);
  EXPECT_EQ(plain.str().find('\x1b'), std::string::npos);
  EXPECT_EQ(coloured.str().rfind("\x1b[1mID", 0), 0u);
  EXPECT_NE(coloured.str().find("\x1b[1mTotal"), std::string::npos);
}

TEST(Table, CsvQuotesTsvFlattensAndBothCarryExactCells) {
  std::ostringstream csv, tsv;
  Sample().WriteDelimited(',', csv);
  Sample().WriteDelimited('\t', tsv);
  EXPECT_EQ(csv.str(),
            "id,name,rows,cost\n"
            "4100011,\"Contoso Managed Services, Seattle\",12,1234.5\n"
            "4200011,\"Fabrikam \"\"Berlin\"\"\tGmbH\",7,3\n"
            "Total,,19,1237.5\n");
  EXPECT_EQ(tsv.str(),
            "id\tname\trows\tcost\n"
            "4100011\tContoso Managed Services, Seattle\t12\t1234.5\n"
            "4200011\tFabrikam \"Berlin\" GmbH\t7\t3\n"
            "Total\t\t19\t1237.5\n");
}

TEST(Table, JsonKeepsMoneyAsTextAndCountsAsNumbers) {
  std::ostringstream out;
  Sample().WriteJson(out);
  const std::string s = out.str();
  EXPECT_NE(s.find("\"rows\": 12"), std::string::npos) << s;
  EXPECT_NE(s.find("\"cost\": \"1234.5\""), std::string::npos) << s;
  EXPECT_NE(s.find("\"totals\""), std::string::npos);
}

TEST(Table, ParseTableFormatKnowsTheFourFormats) {
  EXPECT_EQ(ParseTableFormat("tsv"), TableFormat::kTsv);
  EXPECT_EQ(ParseTableFormat("json"), TableFormat::kJson);
  EXPECT_FALSE(ParseTableFormat("xml").has_value());
}

}  // namespace
}  // namespace openpal::cli
