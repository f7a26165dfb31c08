// Test helpers: write snapshot folders in a temporary directory, import them into a fresh SQLite store, read facts.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "core/model.h"
#include "core/time.h"
#include "ingest/snapshot_import.h"
#include "ingest/snapshot_reader.h"
#include "store/store.h"

namespace openpal::ingest::testing {

inline Timestamp T(const char* text) {
  auto t = ParseTime(text);
  EXPECT_TRUE(t.ok()) << text;
  return t.ok() ? *t : Timestamp{};
}

// Well-known IDs of the test world.
inline const std::string kTenantA = "aaaaaaaa-0000-4000-8000-000000000001";
inline const std::string kTenantB = "bbbbbbbb-0000-4000-8000-000000000002";
inline const std::string kSub1 = "5b000000-0000-4000-8000-000000000001";
inline const std::string kSub2 = "5b000000-0000-4000-8000-000000000002";
inline const std::string kUser1 = "0b000000-0000-4000-8000-000000000001";
inline const std::string kUser2 = "0b000000-0000-4000-8000-000000000002";
inline const std::string kGroup1 = "06000000-0000-4000-8000-000000000001";
inline const std::string kRa1 = "4a000000-0000-4000-8000-000000000001";
inline const std::string kContributor = "b24988ac-6180-42a0-ab88-20f7382dd24c";

// A temporary folder with a store in it; snapshots are written under it by name.
class SnapshotWorld {
 public:
  SnapshotWorld() {
    root_ = std::filesystem::temp_directory_path() /
            ("openpal_ingest_" + std::to_string(::getpid()) + "_" + std::to_string(counter_++));
    std::filesystem::remove_all(root_);
    std::filesystem::create_directories(root_);
    auto store = OpenSqliteStore((root_ / "test.db").string());
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    if (store.ok()) store_ = std::move(store).value();
  }
  ~SnapshotWorld() { std::filesystem::remove_all(root_); }

  Store& store() { return *store_; }
  std::string Dir(const std::string& snapshot) const { return (root_ / snapshot).string(); }
  std::string DbPath() const { return (root_ / "test.db").string(); }

  // Writes `content` to SNAPSHOT/relative, creating folders.
  void Write(const std::string& snapshot, const std::string& relative, const std::string& content) {
    auto path = root_ / snapshot / relative;
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << content;
  }
  // Writes snapshot.json and tenant.json for each tenant.
  void Begin(const std::string& snapshot, const std::string& as_of, std::vector<std::string> tenants = {kTenantA}) {
    Write(snapshot, "snapshot.json", "{\"asOf\": \"" + as_of + "\"}");
    for (const auto& t : tenants)
      Write(snapshot, "tenants/" + t + "/tenant.json",
            "{\"tenantId\": \"" + t + "\", \"displayName\": \"Tenant " + t.substr(0, 4) + "\"}");
  }
  void TenantFile(const std::string& snapshot, const std::string& tenant, const std::string& file,
                  const std::string& content) {
    Write(snapshot, "tenants/" + tenant + "/" + file, content);
  }

  // Reads and imports a snapshot.
  Result<ImportSummary> Import(const std::string& snapshot, ReadOptions options = {}) {
    auto read = ReadSnapshot(Dir(snapshot), options);
    if (!read.ok()) return read.status();
    return ImportSnapshot(*store_, *read);
  }

  // Every fact of a kind, all time.
  std::vector<AnyFact> Facts(FactKind kind) {
    auto facts = store_->LoadFacts(kind, Interval{Timestamp::Min(), Timestamp::Max()});
    EXPECT_TRUE(facts.ok()) << facts.status().ToString();
    return facts.ok() ? *facts : std::vector<AnyFact>{};
  }
  // A fingerprint of the whole store (every fact of every kind with its interval), to prove it unchanged.
  std::string Fingerprint() {
    std::string out;
    for (int k = 0; k <= static_cast<int>(FactKind::kPartnerLink); ++k) {
      auto kind = static_cast<FactKind>(k);
      auto counts = store_->CountFacts(kind);
      EXPECT_TRUE(counts.ok());
      if (counts.ok()) out += std::string(FactKindName(kind)) + ":" + std::to_string(counts->first) + "/" +
                              std::to_string(counts->second) + ";";
      for (const AnyFact& f : Facts(kind)) out += FactKey(f.value) + f.valid.ToString() + ";";
    }
    return out;
  }

 private:
  static inline int counter_ = 0;
  std::filesystem::path root_;
  std::unique_ptr<Store> store_;
};

// JSON builders for the common entries.
inline std::string UserJson(const std::string& id, const std::string& extra = "") {
  return "{\"id\": \"" + id + "\", \"displayName\": \"User " + id.substr(0, 4) +
         "\", \"userPrincipalName\": \"u" + id.substr(0, 4) + "@example.com\", \"userType\": \"Member\"" +
         (extra.empty() ? "" : ", " + extra) + "}";
}
inline std::string AssignmentJson(const std::string& name, const std::string& principal, const std::string& scope,
                                  const std::string& extra = "") {
  return "{\"name\": \"" + name + "\", \"principalId\": \"" + principal +
         "\", \"principalType\": \"User\", \"roleDefinitionId\": \"/providers/Microsoft.Authorization/roleDefinitions/" +
         kContributor + "\", \"roleDefinitionName\": \"Contributor\", \"scope\": \"" + scope + "\"" +
         (extra.empty() ? "" : ", " + extra) + "}";
}
inline std::string LinkJson(const std::string& object, const std::string& partner, const std::string& state,
                            const std::string& created, const std::string& updated,
                            const std::string& tenant = kTenantA) {
  return "{\"objectId\": \"" + object + "\", \"tenantId\": \"" + tenant + "\", \"partnerId\": \"" + partner +
         "\", \"state\": \"" + state + "\", \"createdTime\": \"" + created + "\", \"updatedTime\": \"" + updated + "\"}";
}
inline std::string Array(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) out += (i ? ",\n  " : "\n  ") + items[i];
  return out + "\n]";
}

// The intervals of facts whose key is `key`, in id order.
inline std::vector<Interval> IntervalsOf(const std::vector<AnyFact>& facts, const std::string& key) {
  std::vector<Interval> out;
  for (const AnyFact& f : facts)
    if (FactKey(f.value) == key) out.push_back(f.valid);
  return out;
}

}  // namespace openpal::ingest::testing
