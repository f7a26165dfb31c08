// `pal report` over the demo world, compared byte for byte with golden files in each format; `--save` and runs.
// The demo (4 snapshots, both usage exports) is imported and attributed once per test binary.
// To regenerate after an intended change: OPENPAL_UPDATE_GOLDEN=1 ./report_cli_tests, then review the diff.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

#include "ingest/usage/money.h"
#include "support/process.h"

namespace {

using namespace openpal;

const std::string kSource = OPENPAL_SOURCE_DIR;
const std::string kGolden = OPENPAL_GOLDEN_DIR;

struct Ran {
  int code = -1;
  std::string out;
};

// Runs `pal <args>` on `db` with `env` added (e.g. "COLUMNS=120") and NO_COLOR unset, at most 120 s; stdout captured,
// stderr dropped.
Ran RunPal(const std::string& db, const std::string& args, const std::string& env = "") {
  std::vector<std::string> vars = openpal::testing::SplitArgs(env);
  vars.insert(vars.begin(), "NO_COLOR");
  vars.push_back("OPENPAL_DB=" + db);
  openpal::testing::ProcessResult r =
      openpal::testing::RunPal(openpal::testing::SplitArgs(args), {.env = vars, .timeout_seconds = 120});
  return {r.exit_code, r.out};
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class ReportGolden : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    char tmpl[] = "/tmp/openpal-report-test-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    db_ = dir_ + "/openpal.db";
    for (const char* s : {"2026-07-01", "2026-08-01", "2026-09-01", "2026-10-01"})
      ASSERT_EQ(RunPal(db_, "import " + kSource + "/demo/snapshots/" + s).code, 0) << s;
    Ran save = RunPal(db_, "attribute --quiet --save --usage " + kSource + "/demo/usage/focus_2026-q3.csv " + kSource +
                               "/demo/usage/ea_actualcost_2026-09.csv");
    ASSERT_EQ(save.code, 0);
    attribute_csv_ = save.out;
  }
  static void TearDownTestSuite() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  // Compares `actual` with golden file `name` (or rewrites it when OPENPAL_UPDATE_GOLDEN is set).
  static void ExpectGolden(const std::string& name, const std::string& actual) {
    const std::string path = kGolden + "/" + name;
    if (std::getenv("OPENPAL_UPDATE_GOLDEN")) {
      std::ofstream(path, std::ios::binary) << actual;
      return;
    }
    EXPECT_EQ(actual, ReadFile(path)) << "differs from " << path;
  }

  static std::string dir_, db_, attribute_csv_;
};
std::string ReportGolden::dir_, ReportGolden::db_, ReportGolden::attribute_csv_;

TEST_F(ReportGolden, EveryFormatMatchesItsGoldenFile) {
  const std::string query = "report --partner 4100011 --by customer month ";
  struct Case {
    std::string args, env, golden;
  };
  for (const Case& c : {Case{"--output table", "COLUMNS=120", "report_4100011.txt"},
                        Case{"--output csv", "", "report_4100011.csv"},
                        Case{"--output tsv", "", "report_4100011.tsv"},
                        Case{"--output json", "", "report_4100011.json"},
                        Case{"--by partner --output table", "", "report_by_partner.txt"},
                        Case{"--by adminType --from 2026-09 --to 2026-09 --output csv", "", "report_admintype_sep.csv"},
                        Case{"--unattributed --output table", "COLUMNS=140", "unattributed_4100012.txt"}}) {
    std::string args = c.golden.rfind("unattributed", 0) == 0 ? "report --partner 4100012 " + c.args
                       : c.args.rfind("--by ", 0) == 0      ? "report " + c.args
                                                            : query + c.args;
    Ran r = RunPal(db_, args, c.env);
    EXPECT_EQ(r.code, 0) << args;
    ExpectGolden(c.golden, r.out);
  }
}

TEST_F(ReportGolden, ATableFitsTheTerminalCuttingNamesBeforeIdentifiersAndNeverNumbers) {
  Ran r = RunPal(db_, "report", "COLUMNS=100");
  ASSERT_EQ(r.code, 0);
  std::istringstream lines(r.out);
  std::string line;
  int n = 0;
  while (std::getline(lines, line)) {
    ++n;
    size_t width = 0;
    for (char c : line) width += (static_cast<unsigned char>(c) & 0xc0) != 0x80;
    EXPECT_LE(width, 100u) << line;
    EXPECT_EQ(line.find('\x1b'), std::string::npos) << "no colour when stdout is not a terminal";
  }
  EXPECT_GT(n, 10);
  EXPECT_NE(r.out.find("30,899.46"), std::string::npos) << "the USD total, grouped in thousands, is never cut";
  EXPECT_NE(r.out.find("Conto…"), std::string::npos) << "long names are cut with an ellipsis";
}

TEST_F(ReportGolden, TotalsEqualTheSumOfTheAttributeReportPerCurrency) {
  // The saved run reproduces exactly what `pal attribute` printed: the same usage rows and the same exact sums.
  std::map<std::string, usage::Money> total, attributed;
  std::map<std::string, int64_t> rows;
  std::istringstream csv(attribute_csv_);
  std::string line;
  std::getline(csv, line);  // header
  while (std::getline(csv, line)) {
    // ...,currency,adminType,usageRows,totalCost,attributedCost: the last five fields never hold a comma.
    std::vector<std::string> f;
    size_t end = line.size();
    for (int i = 0; i < 5; ++i) {
      size_t comma = line.rfind(',', end - 1);
      f.insert(f.begin(), line.substr(comma + 1, end - comma - 1));
      end = comma;
    }
    rows[f[0]] += std::stoll(f[2]);
    total[f[0]] += *usage::ParseMoney(f[3]);
    attributed[f[0]] += *usage::ParseMoney(f[4]);
  }
  Ran r = RunPal(db_, "report --by partner --output json");
  ASSERT_EQ(r.code, 0);
  auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["totals"].size(), 2u);
  ASSERT_EQ(rows.size(), 2u);
  for (const auto& t : j["totals"]) {
    std::string currency = t["currency"];
    EXPECT_EQ(t["usageRows"].get<int64_t>(), rows[currency]) << currency;
    EXPECT_EQ(t["totalCost"], usage::FormatMoney(total[currency])) << currency;
    EXPECT_EQ(t["attributedCost"], usage::FormatMoney(attributed[currency])) << currency;
  }
}

TEST_F(ReportGolden, ANewerRunOfAFileReplacesItsOlderRunAndRunPicksAnOldOne) {
  // A second run over the EA export only, with the PEC role policy: the EUR figures now come from it, while the
  // FOCUS file's rows still come from the first run.
  Ran before = RunPal(db_, "report --by partner --output csv");
  ASSERT_EQ(RunPal(db_, "attribute --quiet --save --role-policy pec --usage " + kSource +
                            "/demo/usage/ea_actualcost_2026-09.csv").code, 0);
  Ran after = RunPal(db_, "report --by partner --output csv");
  Ran first = RunPal(db_, "report --by partner --output csv --run 1");
  EXPECT_NE(before.out, after.out);
  ExpectGolden("report_after_rerun.csv", after.out);
  Ran runs = RunPal(db_, "report --list-runs --output json");
  auto j = nlohmann::json::parse(runs.out);
  ASSERT_EQ(j["runs"].size(), 2u);
  EXPECT_EQ(j["runs"][1]["rolePolicy"], "pec");
  EXPECT_EQ(j["runs"][1]["files"][0]["rows"], 301);
  EXPECT_EQ(j["runs"][1]["files"][0]["sha256"].get<std::string>().size(), 64u);
  EXPECT_EQ(j["runs"][0]["files"][0]["rows"], 2649);
  // --run 1 alone still reads the first run's EUR rows of the EA export; the default mixes run 1 (FOCUS) and 2 (EA).
  Ran only_second = RunPal(db_, "report --by partner --output csv --run 2");
  EXPECT_EQ(only_second.out.find("USD"), std::string::npos) << "run 2 read the EUR export only";
  EXPECT_EQ(first.out, before.out) << "run 1 is unchanged by the newer run";
  EXPECT_EQ(RunPal(db_, "report --run 99").code, 2) << "an unknown run is a usage error";
}

TEST_F(ReportGolden, BadArgumentsAreUsageErrors) {
  EXPECT_EQ(RunPal(db_, "report --from 2026-13").code, 2);
  EXPECT_EQ(RunPal(db_, "report --from 2026-10 --to 2026-09").code, 2);
  EXPECT_EQ(RunPal(db_, "report --by partner --by region").code, 2);
  EXPECT_EQ(RunPal(db_, "report --customer not-a-guid").code, 2);
  EXPECT_EQ(RunPal(db_, "report --unattributed").code, 2) << "--unattributed needs --partner";
  EXPECT_EQ(RunPal(db_, "report --output xml").code, 2);
}

// Commands that read what was imported refuse a database that does not exist instead of creating an empty one
// (a mistyped --db would otherwise print an empty report with exit status 0).
TEST(ReadCommands, AMissingDatabaseIsAFailureThatCreatesNothing) {
  const std::string missing = "/tmp/openpal-no-such-db-" + std::to_string(::getpid()) + ".db";
  for (const char* args : {"report", "links", "attribute --usage /dev/null",
                           "explain --resource /subscriptions/20000000-0000-4000-8000-000000000003 --at 2026-08-01"}) {
    EXPECT_EQ(RunPal(missing, args).code, 1) << args;
    EXPECT_FALSE(std::ifstream(missing).good()) << args << " created " << missing;
  }
}

}  // namespace
