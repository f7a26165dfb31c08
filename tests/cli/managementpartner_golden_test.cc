// `pal managementpartner` against a real `pal serve --dev-issuer` over TLS on the demo world: the Azure CLI's
// verbs, its flat sorted JSON in every output format (golden files, times normalised), its error format and
// exit codes, and TLS verification.
#include <gtest/gtest.h>

#include "api/tls.h"
#include "links_process.h"

namespace openpal::testing {
namespace {

const std::string kGolden = OPENPAL_SOURCE_DIR "/tests/cli/links_golden";
// Anna Alpine, member of Alpine Ski House (T04): no link in the demo world.
const std::string kTenant = "10000000-0000-4000-8000-000000000004";
const std::string kAnna = "30000000-0000-4000-8000-040000000001";

class ManagementPartnerCommand : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = TempDir("pal-mp-test");
    db_ = dir_ + "/mp.db";
    setup_error_ = ImportDemoWorld(db_);
    if (!setup_error_.empty()) return;
    cert_ = dir_ + "/cert.pem";
    if (Status s = api::WriteSelfSignedCertificate("127.0.0.1", cert_, dir_ + "/key.pem"); !s.ok()) {
      setup_error_ = s.ToString();
      return;
    }
    server_ = StartDevServer(dir_, db_, cert_, dir_ + "/key.pem");
    setup_error_ = server_.error;
  }
  static void TearDownTestSuite() { server_.Stop(); }
  void SetUp() override { ASSERT_EQ(setup_error_, ""); }

  // `pal managementpartner VERB ...` as Anna, trusting the server's certificate.
  static PalRun Az(const std::string& verb, std::vector<std::string> args) {
    args.insert(args.begin(), {"managementpartner", verb, "--endpoint", Endpoint(), "--ca-file", cert_, "--tenant",
                               kTenant, "--object", kAnna, "--db", db_});
    return RunPal(args, 30);
  }
  static std::string Endpoint() { return "https://127.0.0.1:" + std::to_string(server_.port); }
  static inline std::string dir_, db_, cert_, setup_error_;
  static inline DevServer server_;
};

TEST_F(ManagementPartnerCommand, TheLifeOfALinkAsTheAzureCliPrintsIt) {
  // Not linked yet: the service's 404, printed as az prints an ODataV4 error, exit 1.
  PalRun none = Az("show", {});
  EXPECT_EQ(none.exit_code, 1);
  EXPECT_EQ(none.out, "");
  EXPECT_EQ(CheckGolden(kGolden, "managementpartner_show_unlinked.err", none.err), "");

  PalRun create = Az("create", {"--partner-id", "4100011"});
  ASSERT_EQ(create.exit_code, 0) << create.err;
  EXPECT_EQ(CheckGolden(kGolden, "managementpartner_create.json", NormaliseTimes(create.out)), "");

  // Every output format of `show`, without --partner-id (GET .../partners/: whatever is linked).
  for (const std::string format : {"json", "jsonc", "table", "tsv", "yaml"}) {
    PalRun show = Az("show", {"--output", format});
    ASSERT_EQ(show.exit_code, 0) << format << ": " << show.err;
    EXPECT_EQ(CheckGolden(kGolden, "managementpartner_show." + format, NormaliseTimes(show.out)), "") << format;
  }

  // A global ID cannot be linked: the service's message names the location IDs to use.
  PalRun global = Az("update", {"--partner-id", "4100001"});
  EXPECT_EQ(global.exit_code, 1);
  EXPECT_EQ(CheckGolden(kGolden, "managementpartner_update_global.err", global.err), "");

  PalRun update = Az("update", {"--partner-id", "4100012", "-o", "tsv"});
  ASSERT_EQ(update.exit_code, 0) << update.err;
  EXPECT_EQ(CheckGolden(kGolden, "managementpartner_update.tsv", NormaliseTimes(update.out)), "");

  PalRun shown = Az("show", {"--partner-id", "4100011"});  // linked, but to another ID now
  EXPECT_EQ(shown.exit_code, 1);

  PalRun del = Az("delete", {"--partner-id", "4100012"});
  EXPECT_EQ(del.exit_code, 0) << del.err;
  EXPECT_EQ(del.out, "");  // az prints nothing for delete
  PalRun gone = Az("show", {});
  EXPECT_EQ(gone.exit_code, 1);
  EXPECT_EQ(gone.err, none.err);
}

TEST_F(ManagementPartnerCommand, TheServersCertificateMustBeTrusted) {
  PalRun r = RunPal({"managementpartner", "show", "--endpoint", Endpoint(), "--tenant", kTenant, "--object", kAnna,
                     "--db", db_},
                    30);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("--ca-file"), std::string::npos) << r.err;
}

TEST_F(ManagementPartnerCommand, TheTokenComesFromTheFlagOrTheEnvironment) {
  PalRun token = RunPal({"token", "--db", db_, "--tenant", kTenant, "--object", kAnna});
  ASSERT_EQ(token.exit_code, 0) << token.err;
  std::string jwt = token.out.substr(0, token.out.find('\n'));
  PalRun by_env = RunPal({"managementpartner", "create", "--partner-id", "4100011", "--ca-file", cert_, "-o", "tsv"},
                         30, {"OPENPAL_TOKEN=" + jwt, "OPENPAL_ENDPOINT=" + Endpoint()});
  EXPECT_EQ(by_env.exit_code, 0) << by_env.err;
  EXPECT_NE(by_env.out.find("\t4100011\t"), std::string::npos) << by_env.out;
  PalRun by_flag = RunPal({"managementpartner", "delete", "--partner-id", "4100011", "--ca-file", cert_, "--endpoint",
                           Endpoint(), "--token", jwt},
                          30);
  EXPECT_EQ(by_flag.exit_code, 0) << by_flag.err;
  PalRun garbage = RunPal({"managementpartner", "show", "--ca-file", cert_, "--endpoint", Endpoint(), "--token", "x"}, 30);
  EXPECT_EQ(garbage.exit_code, 1);
  EXPECT_NE(garbage.err.find("ERROR: (InvalidAuthenticationToken)"), std::string::npos) << garbage.err;
}

TEST_F(ManagementPartnerCommand, BadUsageExitsTwo) {
  EXPECT_EQ(RunPal({"managementpartner", "create"}).exit_code, 2);  // --partner-id is required
  PalRun no_endpoint = RunPal({"managementpartner", "show", "--token", "x"}, 30, {"OPENPAL_ENDPOINT="});
  EXPECT_EQ(no_endpoint.exit_code, 2);
  EXPECT_NE(no_endpoint.err.find("--endpoint"), std::string::npos);
  PalRun no_token = RunPal({"managementpartner", "show", "--endpoint", Endpoint()}, 30, {"OPENPAL_TOKEN="});
  EXPECT_EQ(no_token.exit_code, 2);
  EXPECT_NE(no_token.err.find("--token"), std::string::npos);
  EXPECT_EQ(RunPal({"managementpartner", "show", "--output", "xml", "--token", "x"}).exit_code, 2);
}

}  // namespace
}  // namespace openpal::testing
