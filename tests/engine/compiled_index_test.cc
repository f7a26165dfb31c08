// The compiled index (docs/index-format.md): read back, it credits and explains exactly as the in-memory index does;
// a damaged, foreign-version or stale file is refused, never silently used.
#include "engine/compiled_index.h"

#include <gtest/gtest.h>

#include <deque>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "engine/explain.h"
#include "engine/report_writer.h"
#include "store/store.h"
#include "world.h"

namespace openpal::engine::testing {
namespace {

const Store::DirectoryVersion kVersion{"0123456789abcdef0123456789abcdef", 7};

std::string TempPath(const std::string& name) { return ::testing::TempDir() + "/compiled_" + name; }

// A random world touching every table: nested groups, management groups, Lighthouse, custom roles, partners at
// both levels, disabled principals, several tenants holding one subscription over time.
World EveryTableWorld(std::mt19937& rng) {
  const char* subs[] = {"aaaaaaaa-0000-4000-8000-000000000001", "aaaaaaaa-0000-4000-8000-000000000002"};
  const char* users[] = {"cccccccc-0000-4000-8000-000000000001", "cccccccc-0000-4000-8000-000000000002",
                         "cccccccc-0000-4000-8000-000000000003"};
  const char* partners[] = {"1000001", "1000002", "2000001"};
  const std::string_view roles[] = {kOwnerRole, kContributorRole, kReaderRole, "99999999-0000-4000-8000-000000000009"};
  auto day = [&](int d) { return Timestamp::FromSeconds(1767225600LL + d * 86400LL + (rng() % 86400)); };
  auto span = [&]() {
    Timestamp a = day(static_cast<int>(rng() % 60)), b = day(static_cast<int>(rng() % 60));
    if (b < a) std::swap(a, b);
    return rng() % 3 == 0 ? Interval{a, Timestamp::Max()} : Interval{a, b};
  };
  World w;
  w.Placement(subs[0], kTenant, Interval{day(0), day(30)}, "mg1")
      .Placement(subs[0], kOtherTenant, Interval{day(30), Timestamp::Max()})
      .Placement(subs[1], kTenant, Interval{day(0), Timestamp::Max()}, "mg2");
  w.Group(kTenant, "mg1", kTenant, span()).Group(kTenant, "mg2", "mg1", span());
  w.CustomRoleName(kTenant, "99999999-0000-4000-8000-000000000009", "Billing Helper", span());
  for (const char* p : partners) w.Partner(p, span(), rng() % 4 ? PartnerLevel::kLocation : PartnerLevel::kGlobal);
  w.Partner(partners[0], span(), PartnerLevel::kLocation, PartnerState::kDeleted, "Renamed");
  for (const char* u : users) {
    w.User(kTenant, u, span(), rng() % 4 != 0);
    w.Link(kTenant, u, partners[rng() % 3], span());
    w.Link(kTenant, u, partners[rng() % 3], span());
    w.Member(kTenant, rng() % 2 ? kGroup : kGroup2, u, span());
  }
  w.Member(kTenant, kGroup2, kGroup, span());  // nested
  w.User(kManagingTenant, kUser, span()).Link(kManagingTenant, kUser, partners[1], span());
  for (int i = 0; i < 10; ++i) {
    std::string scope = rng() % 5 == 0 ? std::string("/providers/Microsoft.Management/managementGroups/mg") +
                                             std::to_string(1 + rng() % 2)
                                       : std::string("/subscriptions/") + subs[rng() % 2];
    if (scope[1] == 's' && rng() % 2) scope += "/resourceGroups/rg" + std::to_string(rng() % 2);
    const bool group = rng() % 3 == 0;
    w.Assign(kTenant, scope, group ? (rng() % 2 ? kGroup : kGroup2) : users[rng() % 3], roles[rng() % 4], span(),
             group ? AssigneeType::kGroup : AssigneeType::kUser, "exported name");
  }
  w.Lighthouse(std::string("/subscriptions/") + subs[1], kManagingTenant, kUser, kContributorRole, span(), rng() % 2);
  return w;
}

// UsageRow's texts are views (as the reader's are): `texts` owns them and must outlive the rows.
std::vector<usage::UsageRow> RandomRows(std::mt19937& rng, int n, std::deque<std::string>& texts) {
  std::vector<usage::UsageRow> rows;
  for (int i = 0; i < n; ++i) {
    const int sub = 1 + static_cast<int>(rng() % 3), d = static_cast<int>(rng() % 70);
    std::string resource = "/subscriptions/aaaaaaaa-0000-4000-8000-00000000000" + std::to_string(sub) +
                           "/resourceGroups/rg" + std::to_string(rng() % 3) + "/providers/Microsoft.Web/sites/s" +
                           std::to_string(rng() % 3);
    usage::UsageRow row;
    row.resource_id = texts.emplace_back(std::move(resource));
    row.start = Timestamp::FromSeconds(1767225600LL + d * 86400LL);
    row.end = Timestamp::FromSeconds(row.start.micros / 1000000 + static_cast<int64_t>(rng() % 48) * 3600);
    row.amount = *usage::ParseMoney(std::to_string(rng() % 1000) + ".25");
    row.currency = "USD";
    rows.push_back(row);
  }
  return rows;
}

std::string Credit(const DirectoryView& index, const std::vector<usage::UsageRow>& rows) {
  Attributor a(index, RolePolicy::All());
  for (const auto& r : rows) a.AddRow(r);
  return ResultText(a.Finish());
}

TEST(CompiledIndex, CreditsAndExplainsExactlyAsTheIndexItWasWrittenFrom) {
  std::mt19937 rng(1616);
  for (int world = 0; world < 40; ++world) {
    World w = EveryTableWorld(rng);
    auto memory = DirectoryIndex::Build(w.facts);
    const std::string path = TempPath("roundtrip.index");
    auto written = WriteCompiledIndex(*memory, kVersion, path);
    ASSERT_TRUE(written.ok()) << written.status().ToString();
    auto mapped = CompiledIndex::Open(path);
    ASSERT_TRUE(mapped.ok()) << mapped.status().ToString();
    EXPECT_EQ((*mapped)->identity().store_id, kVersion.store_id);
    EXPECT_EQ((*mapped)->identity().directory_version, 7u);
    EXPECT_EQ((*mapped)->identity().checksum, written->checksum);
    ASSERT_EQ((*mapped)->linked_principal_count(), memory->linked_principal_count());
    for (int32_t id = 0; id < static_cast<int32_t>(memory->linked_principal_count()); ++id)
      EXPECT_EQ((*mapped)->LinkedKey(id), memory->LinkedKey(id));

    std::deque<std::string> texts;
    auto rows = RandomRows(rng, 300, texts);
    EXPECT_EQ(Credit(**mapped, rows), Credit(*memory, rows)) << "world " << world;
    for (const char* resource : {"/subscriptions/aaaaaaaa-0000-4000-8000-000000000001/resourceGroups/rg1/x/y/z",
                                 "aaaaaaaa-0000-4000-8000-000000000002", "/subscriptions/aaaaaaaa-0000-4000-8000-000000000002/resourceGroups/rg0"}) {
      for (int d : {0, 10, 29, 31, 45, 59}) {
        const Timestamp at = Timestamp::FromSeconds(1767225600LL + d * 86400LL + 43200);
        auto a = Explain(*memory, RolePolicy::All(), resource, at, std::nullopt);
        auto b = Explain(**mapped, RolePolicy::All(), resource, at, std::nullopt);
        ASSERT_EQ(a.ok(), b.ok());
        if (a.ok()) {
          EXPECT_EQ(ExplanationJson(*b), ExplanationJson(*a)) << resource << " day " << d;
        }
      }
    }
  }
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}
void WriteAll(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

TEST(CompiledIndex, ADamagedTruncatedOrForeignFileIsRefusedWithWhatToRun) {
  auto memory = DirectoryIndex::Build(World::Standard().facts);
  const std::string path = TempPath("damaged.index");
  ASSERT_TRUE(WriteCompiledIndex(*memory, kVersion, path).ok());
  const std::string good = ReadAll(path);
  ASSERT_TRUE(CompiledIndex::Open(path).ok());

  std::string flipped = good;
  flipped[flipped.size() - 70] ^= 0x40;  // in the last section's bytes
  WriteAll(path, flipped);
  auto opened = CompiledIndex::Open(path);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), StatusCode::kCorruption);
  EXPECT_NE(opened.status().ToString().find("pal index build"), std::string::npos) << opened.status().ToString();

  WriteAll(path, good.substr(0, good.size() - 64));
  EXPECT_EQ(CompiledIndex::Open(path).status().code(), StatusCode::kCorruption);

  std::string header_damaged = good;
  header_damaged[40] ^= 1;  // the directory version: the header checksum no longer matches
  WriteAll(path, header_damaged);
  EXPECT_EQ(CompiledIndex::Open(path).status().code(), StatusCode::kCorruption);

  std::string other_version = good;
  other_version[8] = 99;  // format_version
  WriteAll(path, other_version);
  opened = CompiledIndex::Open(path);
  EXPECT_EQ(opened.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(opened.status().message().find("format version 99"), std::string::npos) << opened.status().ToString();

  WriteAll(path, "PAL");
  EXPECT_EQ(CompiledIndex::Open(path).status().code(), StatusCode::kCorruption);
  EXPECT_EQ(CompiledIndex::Open(TempPath("absent.index")).status().code(), StatusCode::kNotFound);
}

// An index received as bytes (a Dask task's, docs/scale.md) is checked as a file is and credits as the mapped file.
TEST(CompiledIndex, FromBytesCreditsAsTheMappedFileAndIsCheckedAsAFileIs) {
  std::mt19937 rng(1717);
  for (int world = 0; world < 8; ++world) {
    auto memory = DirectoryIndex::Build(RandomWorld(rng).facts);
    const std::string path = TempPath("bytes.index");
    ASSERT_TRUE(WriteCompiledIndex(*memory, kVersion, path).ok());
    const std::string good = ReadAll(path);
    auto mapped = CompiledIndex::Open(path);
    // An odd offset: the index's own copy must be aligned whatever the caller's buffer is.
    const std::string shifted = "x" + good;
    auto shipped = CompiledIndex::FromBytes(std::string_view(shifted).substr(1), "shipped");
    ASSERT_TRUE(mapped.ok() && shipped.ok()) << shipped.status().ToString();
    EXPECT_EQ((*shipped)->identity().checksum, (*mapped)->identity().checksum);
    EXPECT_EQ((*shipped)->identity().store_id, kVersion.store_id);
    std::deque<std::string> texts;
    auto rows = RandomRows(rng, 300, texts);
    EXPECT_EQ(Credit(**shipped, rows), Credit(**mapped, rows)) << "world " << world;
  }
  const std::string good = ReadAll(TempPath("bytes.index"));
  std::string flipped = good;
  flipped[flipped.size() - 70] ^= 0x40;
  auto damaged = CompiledIndex::FromBytes(flipped, "shipped");
  ASSERT_FALSE(damaged.ok());
  EXPECT_EQ(damaged.status().code(), StatusCode::kCorruption);
  EXPECT_NE(damaged.status().ToString().find("shipped"), std::string::npos) << damaged.status().ToString();
  EXPECT_EQ(CompiledIndex::FromBytes(good.substr(0, good.size() - 64), "s").status().code(), StatusCode::kCorruption);
  EXPECT_EQ(CompiledIndex::FromBytes("PAL", "s").status().code(), StatusCode::kCorruption);
  std::string other_version = good;
  other_version[8] = 99;
  EXPECT_EQ(CompiledIndex::FromBytes(other_version, "s").status().code(), StatusCode::kFailedPrecondition);
}

void Import(Store& store, const World& w) {
  auto tx = store.BeginImport();
  ASSERT_TRUE(tx.ok()) << tx.status().ToString();
  for (const auto& f : w.facts) ASSERT_TRUE((*tx)->Insert(f.value, f.valid).ok());
  ASSERT_TRUE((*tx)->Commit().ok());
}

TEST(CompiledIndex, AStaleIndexIsRefusedWhenNamedAndRebuiltWhenItIsTheDefault) {
  const std::string db = TempPath("stale.db");
  for (const char* suffix : {"", "-wal", "-shm", ".index"}) std::filesystem::remove(db + suffix);
  auto store = OpenSqliteStore(db);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  Import(**store, World::Standard());
  const std::string index_path = DefaultIndexPath(db);

  // No file: the directory comes from the store, and a named index that is missing is an error.
  auto loaded = LoadDirectory(**store, {index_path, false, nullptr});
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_FALSE(loaded->from_index);
  EXPECT_EQ(LoadDirectory(**store, {index_path, true, nullptr}).status().code(), StatusCode::kNotFound);

  auto built = BuildCompiledIndex(**store, index_path);
  ASSERT_TRUE(built.ok()) << built.status().ToString();
  loaded = LoadDirectory(**store, {index_path, true, nullptr});
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_TRUE(loaded->from_index);

  // An import makes it stale: named, it is refused; as the default, it is rebuilt, and says so.
  World more;
  more.User(kTenant, kUser2, From("2026-01-01")).Link(kTenant, kUser2, kPartner2, From("2026-01-01"));
  Import(**store, more);
  auto refused = LoadDirectory(**store, {index_path, true, nullptr});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(refused.status().message().find("stale"), std::string::npos) << refused.status().ToString();
  EXPECT_NE(refused.status().message().find("pal index build"), std::string::npos) << refused.status().ToString();

  std::ostringstream notes;
  loaded = LoadDirectory(**store, {index_path, false, &notes});
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_FALSE(loaded->from_index);
  EXPECT_NE(notes.str().find("was stale"), std::string::npos) << notes.str();
  EXPECT_NE(loaded->view->LinksOf(PrincipalKey(kTenant, kUser2)), nullptr);  // the new link is seen
  loaded = LoadDirectory(**store, {index_path, true, nullptr});
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_TRUE(loaded->from_index);
  EXPECT_NE(loaded->view->LinksOf(PrincipalKey(kTenant, kUser2)), nullptr);

  // A link change through the API makes it stale too.
  auto changed = (*store)->ChangeLink(kTenant, "cccccccc-0000-4000-8000-000000000009", T("2026-03-01"), "req-1",
                                      [](const LinkState&) { return LinkDecision{LinkDecision::Action::kCreate, kPartner}; });
  ASSERT_TRUE(changed.ok()) << changed.status().ToString();
  EXPECT_EQ(LoadDirectory(**store, {index_path, true, nullptr}).status().code(), StatusCode::kFailedPrecondition);

  // An index of another store is never taken for this one's.
  const std::string other_db = TempPath("other.db");
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(other_db + suffix);
  auto other = OpenSqliteStore(other_db);
  ASSERT_TRUE(other.ok());
  Import(**other, World::Standard());
  ASSERT_TRUE(BuildCompiledIndex(**store, index_path).ok());
  auto foreign = LoadDirectory(**other, {index_path, true, nullptr});
  ASSERT_FALSE(foreign.ok());
  EXPECT_NE(foreign.status().message().find("another store"), std::string::npos) << foreign.status().ToString();
}

}  // namespace
}  // namespace openpal::engine::testing
