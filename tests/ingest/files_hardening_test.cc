// Snapshot files attacked (issue 12): line ends, empty partner lists, unreadable folders, invalid JSON in fields
// openpal does not read, deep trees, inputs that are not regular files, and the shape of JSON error messages.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <functional>

#include "ingest/json_check.h"
#include "snapshot_fixture.h"

namespace openpal::ingest::testing {
namespace {

namespace fs = std::filesystem;
const std::string kBase = std::string(OPENPAL_TEST_DATA) + "/snapshots/base";
const std::string kHeader = "partnerId,partnerName,level,globalPartnerId,state";

// Runs `body` in a child process (so that a crash or a hang fails this test instead of the binary), killed after
// `seconds`; returns the child's exit code, or -signal when it died of one (SIGALRM when it hung).
// With `memory_cap` (bytes), the child's address space is bounded so that a runaway read fails fast.
int InChild(const std::function<int()>& body, unsigned seconds = 10, size_t memory_cap = 0) {
  pid_t pid = ::fork();
  if (pid == 0) {
    ::alarm(seconds);
#if defined(__SANITIZE_ADDRESS__)
    memory_cap = 0;  // ASan reserves terabytes of address space for its shadow: no cap there
#endif
    if (memory_cap) {
      struct rlimit limit {memory_cap, memory_cap};
      ::setrlimit(RLIMIT_AS, &limit);
    }
    ::_exit(body());
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
}

// ---- 1: partners.csv with CR line ends; a header without rows ----

TEST(PartnersCsv, CrOnlyLineEndsAreReadLikeLfAndCrlf) {
  const std::string rows[] = {kHeader, "1000,Global One,global,,active", "1001,Seattle,location,1000,active"};
  for (const char* end : {"\n", "\r\n", "\r"}) {
    std::string text;
    for (const auto& r : rows) text += r + end;
    auto partners = ParsePartnersCsv(text, "partners.csv");
    ASSERT_TRUE(partners.ok()) << partners.status().ToString();
    ASSERT_EQ(partners->size(), 2u) << "line ends " << (end[0] == '\r' && !end[1] ? "CR" : "LF/CRLF");
    EXPECT_EQ((*partners)[1].partner_id, "1001");
  }
  // Lines are counted at CRs too: the error names line 3.
  auto bad = ParsePartnersCsv(kHeader + "\r1000,A,global,,active\r1001,B,nowhere,,active\r", "partners.csv");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().where().find("partners.csv:3"), std::string::npos) << bad.status().ToString();
}

TEST(PartnersCsv, AHeaderWithoutRowsIsRefusedUnlessMeant) {
  SnapshotWorld w;
  fs::copy(kBase, w.Dir("s"), fs::copy_options::recursive);
  w.Write("s", "partners.csv", kHeader + ",tenantId\r\n");
  auto refused = ReadSnapshot(w.Dir("s"), {});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kCorruption);
  EXPECT_NE(refused.status().message().find("--allow-empty-partners"), std::string::npos);
  ReadOptions meant;
  meant.allow_empty_partners = true;
  auto accepted = ReadSnapshot(w.Dir("s"), meant);
  ASSERT_TRUE(accepted.ok()) << accepted.status().ToString();
  ASSERT_TRUE(accepted->partners.has_value());
  EXPECT_TRUE(accepted->partners->empty());
}

// ---- 6: every directory-listing error is an error ----

class Folders : public ::testing::Test {
 protected:
  void SetUp() override { fs::copy(kBase, w.Dir("s"), fs::copy_options::recursive); }
  std::string Error() {
    auto read = ReadSnapshot(w.Dir("s"), {});
    return read.ok() ? std::string("(read without error)") : read.status().ToString();
  }
  SnapshotWorld w;
};

TEST_F(Folders, ATenantsFileWhereTheFolderIsExpectedIsAnError) {
  fs::remove_all(w.Dir("s") + "/tenants");
  w.Write("s", "tenants", "not a folder");
  EXPECT_NE(Error().find("expected a folder of tenant folders"), std::string::npos) << Error();
}

TEST_F(Folders, AFileAmongTheTenantFoldersIsAnError) {
  w.Write("s", "tenants/" + kTenantB, "a file named like a tenant");
  EXPECT_NE(Error().find("expected a tenant folder"), std::string::npos) << Error();
}

TEST_F(Folders, ADanglingSymbolicLinkIsAnErrorNotAnAbsentFile) {
  // Exercised with a link to nothing: for users.json, and for a tenant folder.
  fs::remove(w.Dir("s") + "/tenants/" + kTenantA + "/users.json");
  fs::create_symlink(w.Dir("nowhere.json"), w.Dir("s") + "/tenants/" + kTenantA + "/users.json");
  EXPECT_NE(Error().find("a symbolic link to nothing"), std::string::npos) << Error();
  fs::remove(w.Dir("s") + "/tenants/" + kTenantA + "/users.json");
  fs::create_directory_symlink(w.Dir("nowhere"), w.Dir("s") + "/tenants/cccccccc-0000-4000-8000-000000000003");
  EXPECT_NE(Error().find("a symbolic link to nothing"), std::string::npos) << Error();
}

TEST_F(Folders, UnreadableFoldersAreErrors) {
  // Root ignores permission bits, so the reading runs in a child that drops to the user nobody (65534) when the test
  // runs as root; the folders are made unsearchable (mode 000) so that listing or looking into them fails (EACCES).
  fs::permissions(w.Dir(""), fs::perms::all, fs::perm_options::add);
  auto as_nobody = [&](const std::string& folder, const std::string& expected) {
    const std::string dir = w.Dir("s") + "/" + folder;
    ::chmod(dir.c_str(), 0);
    int code = InChild([&] {
      if (::geteuid() == 0 && (::setgid(65534) != 0 || ::setuid(65534) != 0)) return 3;
      auto read = ReadSnapshot(w.Dir("s"), {});
      if (read.ok()) return 1;
      return read.status().ToString().find(expected) != std::string::npos ? 0 : 2;
    });
    ::chmod(dir.c_str(), 0755);
    return code;
  };
  EXPECT_EQ(as_nobody("tenants", "cannot list the tenant folders: Permission denied"), 0);
  EXPECT_EQ(as_nobody("tenants/" + kTenantA, "Permission denied"), 0);
}

// ---- 7 and 17: a snapshot file is valid JSON as a whole, and errors say where ----

class Json : public ::testing::Test {
 protected:
  void SetUp() override { fs::copy(kBase, w.Dir("s"), fs::copy_options::recursive); }
  // Writes users.json with one valid user plus `extra` fields (not read by openpal) and returns the read's error.
  Status ReadUsers(const std::string& text) {
    w.Write("s", "tenants/" + kTenantA + "/users.json", text);
    auto read = ReadSnapshot(w.Dir("s"), {});
    return read.ok() ? Status::Ok() : read.status();
  }
  SnapshotWorld w;
};

TEST_F(Json, InvalidJsonInAFieldOpenpalDoesNotReadIsRefusedWithItsLine) {
  for (const std::string& bad : {std::string("\"extra\": NaN"), std::string("\"extra\": 0x10"),
                                 std::string("\"extra\": bareword"), std::string("\"extra\": [1, 2,]"),
                                 std::string("\"extra\": {\"a\": 1,}")}) {
    Status s = ReadUsers("[\n" + UserJson(kUser1) + ",\n" + UserJson(kUser2, bad) + "\n]\n");
    ASSERT_FALSE(s.ok()) << bad;
    EXPECT_EQ(s.code(), StatusCode::kCorruption) << bad << ": " << s.ToString();
    EXPECT_NE(s.where().find("users.json:3"), std::string::npos) << bad << ": " << s.ToString();
  }
}

TEST_F(Json, ControlCharactersAndOverlongUtf8InsideStringsAreReportedWithTheirLine) {
  for (const std::string& bad : {std::string("a\tb"), std::string("a\0b", 3), std::string("a\xC0\xAF" "b"),
                                 std::string("a\xE0\x80\xAF" "b"), std::string("\xED\xA0\x80")}) {
    Status s = ReadUsers("[\n" + UserJson(kUser1) + ",\n" + UserJson(kUser2, "\"note\": \"" + bad + "\"") + "\n]\n");
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.where().find("users.json:3"), std::string::npos) << s.ToString();
  }
}

TEST_F(Json, DuplicateKeysAreRefusedWithTheKeyAndBothLines) {
  Status s = ReadUsers("[\n" + UserJson(kUser1) + ",\n{\"id\": \"" + kUser2 + "\",\n \"id\": \"" + kUser1 + "\"}\n]\n");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kCorruption);
  EXPECT_NE(s.where().find("users.json:4"), std::string::npos) << s.ToString();
  EXPECT_NE(s.message().find("\"id\""), std::string::npos) << s.ToString();
  EXPECT_NE(s.message().find("first at line 3"), std::string::npos) << s.ToString();
  // Keys equal once unescaped are the same key; many keys (a hash set past 16) too.
  EXPECT_EQ(ValidateJson(R"({"a": 1, "\u0061": 2})", "x.json").code(), StatusCode::kCorruption);
  std::string many = "{";
  for (int i = 0; i < 40; ++i) many += "\"k" + std::to_string(i) + "\": 1, ";
  EXPECT_TRUE(ValidateJson(many + "\"last\": 2}", "x.json").ok());
  EXPECT_EQ(ValidateJson(many + "\"k7\": 2}", "x.json").code(), StatusCode::kCorruption);
  // The same key in two different objects is fine.
  EXPECT_TRUE(ValidateJson(R"([{"a": 1, "b": {"a": 2}}, {"a": 3}])", "x.json").ok());
}

TEST_F(Json, ATenMegabyteBadFieldGivesAShortErrorLine) {
  const std::string huge(10 << 20, 'x');
  Status s = ReadUsers("[{\"id\": \"" + huge + "\"}]");
  ASSERT_FALSE(s.ok());
  EXPECT_LT(s.ToString().size(), 400u) << s.ToString().substr(0, 400);
  EXPECT_NE(s.message().find(std::to_string(huge.size()) + " bytes"), std::string::npos) << s.ToString();
  // The same for a partners.csv field.
  auto partners = ParsePartnersCsv(kHeader + "\n" + huge + ",A,global,,active\n", "partners.csv");
  ASSERT_FALSE(partners.ok());
  EXPECT_LT(partners.status().ToString().size(), 400u);
}

TEST(JsonCheck, AcceptsValidJsonAndRefusesEachKindOfInvalidOne) {
  for (const char* ok : {"[]", "{}", " [1, -0.5, 2e10, 3E-2, true, false, null, \"\\u00e9\\n\\ud83d\\ude00\", {}] ",
                         "{\"a\": [{\"b\": \"\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\"}]}"})
    EXPECT_TRUE(ValidateJson(ok, "x.json").ok()) << ok << ": " << ValidateJson(ok, "x.json").ToString();
  for (const char* bad : {"", "[", "[1 2]", "{\"a\" 1}", "{a: 1}", "[01]", "[1.]", "[.5]", "[+1]", "[-]", "[1e]",
                          "[Infinity]", "[tru]", "[nulls]", "[\"\\x\"]", "[\"\\ud800\"]", "[\"\\udc00\"]", "[1] [2]",
                          "[\"\xFF\"]", "[\"\xF4\x90\x80\x80\"]", "{\"a\":1,}", "[,1]", "'a'"})
    EXPECT_FALSE(ValidateJson(bad, "x.json").ok()) << bad;
}

// ---- 8: a deep management-group tree ----

std::string DeepTree(int depth) {
  std::string open, close;
  for (int i = 0; i < depth; ++i) {
    open += "{\"id\": \"/providers/Microsoft.Management/managementGroups/g" + std::to_string(i) +
            "\", \"name\": \"g" + std::to_string(i) +
            "\", \"type\": \"Microsoft.Management/managementGroups\", \"children\": [";
    close += "]}";
  }
  return open + close;
}

TEST(ManagementTree, ADeepTreeIsRefusedWithAClearErrorNotAStackOverflow) {
  SnapshotWorld w;
  fs::copy(kBase, w.Dir("s"), fs::copy_options::recursive);
  for (int depth : {100, 5000}) {
    w.Write("s", "tenants/" + kTenantA + "/managementGroups.json", DeepTree(depth));
    // In a child: before the fix, depth 5,000 overflowed the stack (SIGSEGV).
    int code = InChild([&] {
      auto read = ReadSnapshot(w.Dir("s"), {});
      if (read.ok()) return 1;
      const std::string text = read.status().ToString();
      return text.find("deeper than") != std::string::npos && text.find("managementGroups.json:1") != std::string::npos
                 ? 0
                 : 2;
    });
    EXPECT_EQ(code, 0) << "depth " << depth;
  }
  // Six levels below the root, as Azure allows, read fine.
  w.Write("s", "tenants/" + kTenantA + "/managementGroups.json", DeepTree(7));
  auto read = ReadSnapshot(w.Dir("s"), {});
  ASSERT_TRUE(read.ok()) << read.status().ToString();
}

// ---- 10: inputs must be regular files ----

TEST(RegularFiles, PartnersCsvAsALinkToDevZeroOrAsAFifoIsRefusedAtOnce) {
  SnapshotWorld w;
  fs::copy(kBase, w.Dir("s"), fs::copy_options::recursive);
  const std::string partners = w.Dir("s") + "/partners.csv";
  fs::remove(partners);
  fs::create_symlink("/dev/zero", partners);
  // In a child with a time bound and a memory cap: before the fix, /dev/zero grew memory until killed.
  auto refused = [&] {
    return InChild(
        [&] {
          auto read = ReadSnapshot(w.Dir("s"), {});
          return !read.ok() && read.status().ToString().find("expected a regular file") != std::string::npos ? 0 : 2;
        },
        5, size_t{2} << 30);
  };
  EXPECT_EQ(refused(), 0) << "link to /dev/zero";
  fs::remove(partners);
  ASSERT_EQ(::mkfifo(partners.c_str(), 0644), 0);
  EXPECT_EQ(refused(), 0) << "FIFO (before the fix: blocked forever, killed by SIGALRM)";
}

}  // namespace
}  // namespace openpal::ingest::testing
