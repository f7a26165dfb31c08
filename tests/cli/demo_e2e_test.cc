// `pal demo` end to end: it runs in under a minute (bounded at 120 s here), shows every section with the demo
// world's figures, stops its server, and refuses to reuse a store.
#include <chrono>

#include <gtest/gtest.h>

#include "../pg/pg_test_db.h"
#include "links_process.h"

namespace openpal::testing {
namespace {

TEST(DemoCommand, RunsEndToEndAndShowsTheKeySectionsAndFigures) {
  std::string dir = TempDir("pal-demo-test") + "/demo";
  auto started = std::chrono::steady_clock::now();
  ProcessResult r = RunPal({"demo", "--dir", dir, "--data", OPENPAL_SOURCE_DIR "/demo"}, {.timeout_seconds = 120});
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_LT(seconds, 60.0);
  const std::string& out = r.out;
  auto has = [&out](const std::string& text) { return out.find(text) != std::string::npos; };
  EXPECT_TRUE(has("1. Directory history: 4 snapshots")) << out;
  EXPECT_TRUE(has("2026-07-01  14 tenant(s), partners.csv: 115 facts opened, 0 closed")) << out;
  EXPECT_TRUE(has("listening on https://127.0.0.1:")) << out;
  // Wendy Importer's link, made through the ARM API, printed as az prints it.
  EXPECT_TRUE(has("\"objectId\": \"30000000-0000-4000-8000-130000000001\"")) << out;
  EXPECT_TRUE(has("\"partnerName\": \"Contoso Managed Services, Seattle\"")) << out;
  // The report of the saved run: 4100011's USD total over the quarter.
  EXPECT_TRUE(has("$ pal report --by partner")) << out;
  EXPECT_TRUE(has("15,303.76")) << out;
  // The inventory shows her new API link, and the at-risk customers.
  EXPECT_TRUE(has("Wide World Importers      Wendy Importer")) << out;
  EXPECT_TRUE(has("Customers at risk (credit rests on linked users only; link a service principal too): 10")) << out;
  // Explain: her Owner role on S15 now credits 4100011.
  EXPECT_TRUE(has("Credited in full (influence credit) to: 4100011.")) << out;
  EXPECT_TRUE(has("7. The portal")) << out;
  EXPECT_TRUE(has("What next")) << out;
  EXPECT_TRUE(has("The server is stopped")) << out;
  EXPECT_NE(SlurpFile(dir + "/serve.out").find("pal serve: stopped"), std::string::npos);

  ProcessResult again = RunPal({"demo", "--dir", dir, "--data", OPENPAL_SOURCE_DIR "/demo"}, {.timeout_seconds = 60});
  EXPECT_EQ(again.exit_code, 2);
  EXPECT_NE(again.err.find("already exists"), std::string::npos) << again.err;
}

// The same demo with --db on an empty PostgreSQL database (issue 15): import, serve, attribute --save, report, links and
// explain all on PostgreSQL, with the same figures; a second run refuses the database it filled.
TEST(DemoCommand, RunsEndToEndOnPostgres) {
  TestDatabase pg;
  OPENPAL_REQUIRE_PG(pg);
  std::string dir = TempDir("pal-demo-pg-test") + "/demo";
  ProcessResult r = RunPal({"demo", "--db", pg.uri(), "--dir", dir, "--data", OPENPAL_SOURCE_DIR "/demo"}, {.timeout_seconds = 120});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const std::string& out = r.out;
  auto has = [&out](const std::string& text) { return out.find(text) != std::string::npos; };
  EXPECT_TRUE(has("2026-07-01  14 tenant(s), partners.csv: 115 facts opened, 0 closed")) << out;
  EXPECT_TRUE(has("\"partnerName\": \"Contoso Managed Services, Seattle\"")) << out;
  EXPECT_TRUE(has("15,303.76")) << out;
  EXPECT_TRUE(has("Wide World Importers      Wendy Importer")) << out;
  EXPECT_TRUE(has("Credited in full (influence credit) to: 4100011.")) << out;
  EXPECT_TRUE(has("export OPENPAL_DB=" + pg.uri())) << out;
  ProcessResult again = RunPal({"demo", "--db", pg.uri(), "--dir", dir + "2", "--data", OPENPAL_SOURCE_DIR "/demo"}, {.timeout_seconds = 60});
  EXPECT_EQ(again.exit_code, 2);
  EXPECT_NE(again.err.find("already holds a history"), std::string::npos) << again.err;
}

TEST(DemoCommand, MissingDemoDataIsBadUsageWithAHint) {
  std::string dir = TempDir("pal-demo-nodata");
  ProcessResult r = RunPal({"demo", "--dir", dir + "/x", "--data", dir}, {.timeout_seconds = 60});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--data"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace openpal::testing
