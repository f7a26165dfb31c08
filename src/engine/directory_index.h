// The directory's whole history in memory, indexed for attribution: built once from Store::LoadFacts of every kind.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/function_ref.h"
#include "core/interval.h"
#include "core/model.h"
#include "core/status.h"
#include "engine/flat_map.h"
#include "store/store.h"

namespace openpal::engine {

// Hash for heterogeneous lookups (std::string keys found by std::string_view).
struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
template <typename V>
using StringMap = std::unordered_map<std::string, V, StringHash, std::equal_to<>>;

// "tenant|object": the key of a principal, a group or a link holder.
std::string PrincipalKey(std::string_view tenant, std::string_view object);

struct TimedPartnerLink {
  Interval valid;
  std::string partner_id;
};

struct PartnerInfo {
  IntervalSet credit_valid;  // when it was in the directory at location level and active
  IntervalSet known;         // when it was in the directory at all
  std::string newest_name;
  Timestamp newest_from = Timestamp::Min();
  // The last state seen, for explaining why it does not count: "global", "deleted", "location".
  bool ever_global = false, ever_deleted = false;
};

// A role assignment in a tenant on one scope (scope keys are Scope::key(), lowercase).
struct AssignmentEntry {
  std::string tenant;
  std::string principal;
  AssigneeType principal_type = AssigneeType::kUnknown;
  std::string role_guid;
  std::string role_name;  // as exported
  std::string scope_text;
  Interval valid;
};

struct LighthouseEntry {
  std::string customer_tenant;
  std::string managing_tenant;
  std::string principal;
  std::string role_guid;
  std::string scope_text;
  bool eligible = false;
  Interval valid;
};

// An AssignmentEntry read in place: its texts are views into the index that holds it (they live as long as it).
struct AssignmentView {
  std::string_view tenant, principal;
  AssigneeType principal_type = AssigneeType::kUnknown;
  std::string_view role_guid, role_name, scope_text;
  Interval valid;
};

// A LighthouseEntry read in place, as AssignmentView.
struct LighthouseView {
  std::string_view customer_tenant, managing_tenant, principal, role_guid, scope_text;
  bool eligible = false;
  Interval valid;
};

struct Placement {
  Interval valid;
  std::string tenant;
  std::string parent_group;  // lowercase
};

struct GroupParent {
  Interval valid;
  std::string parent;  // lowercase ("" at the root)
};

// A linked principal that reaches a group (directly or through nested groups) over `when`.
struct LinkedMember {
  std::string object;
  IntervalSet when;
  int32_t linked_id = -1;  // the member's linked-principal id (DirectoryIndex::LinkedKey)
};

// What stands behind a grant's holder: its own links (when it ever had one) and its linked members (when it is a
// group that has some). Grants whose holder has neither make no path.
struct Holder {
  const std::vector<TimedPartnerLink>* links = nullptr;
  const std::vector<LinkedMember>* members = nullptr;
  int32_t linked_id = -1;  // set when `links` is
};

// What crediting and explain read of the directory: implemented by the in-memory index below and by the compiled,
// memory-mapped index (compiled_index.h). Immutable: any number of threads may read one at once without locking.
// Every pointer and reference it returns lives as long as it, and it must outlive the ProfileCache, Attributor and
// PathCache built over it. The accessors are documented on DirectoryIndex.
class DirectoryView {
 public:
  virtual ~DirectoryView() = default;
  virtual const std::vector<Placement>* Placements(std::string_view subscription_lower) const = 0;
  virtual const std::vector<GroupParent>* GroupParents(std::string_view tenant, std::string_view group_lower) const = 0;
  virtual void ForEachAssignmentAt(std::string_view scope_key, FunctionRef<void(const AssignmentView&)> visit) const = 0;
  virtual bool HasGrantsAt(std::string_view scope_key) const = 0;
  virtual void ForEachLighthouseAt(std::string_view scope_key, FunctionRef<void(const LighthouseView&)> visit) const = 0;
  virtual const std::vector<TimedPartnerLink>* LinksOf(std::string_view principal_key) const = 0;
  virtual const IntervalSet& EnabledOf(std::string_view principal_key) const = 0;
  virtual bool PrincipalKnown(std::string_view principal_key) const = 0;
  virtual const std::vector<LinkedMember>* LinkedMembersOf(std::string_view group_key) const = 0;
  virtual const Holder* HolderOf(std::string_view principal_key) const = 0;
  virtual std::string_view LinkedKey(int32_t linked_id) const = 0;
  virtual size_t linked_principal_count() const = 0;
  virtual const PartnerInfo* Partner(std::string_view partner_id) const = 0;
  virtual std::string RoleName(std::string_view tenant, std::string_view role_guid, std::string_view exported) const = 0;
};

// The directory's facts indexed in memory for crediting and explain. Immutable once built: any number of threads
// may read one at once without locking. Lifetime: every pointer and reference it returns lives as long as the
// index; ProfileCache, Attributor and PathCache keep a reference to it, so it must outlive them. It is a copy:
// changes to the store after Load() are not seen (callers reload it: the explain route every few seconds).
class DirectoryIndex final : public DirectoryView {
 public:
  // Loads every fact of every kind from `store` and indexes it; errors carry the store's context.
  static Result<std::unique_ptr<DirectoryIndex>> Load(Store& store);
  // Builds the index from facts already in memory (tests, benchmarks).
  static std::unique_ptr<DirectoryIndex> Build(const std::vector<AnyFact>& facts);

  // The subscription's tenant placements over time (subscription ID lowercase), or nullptr.
  const std::vector<Placement>* Placements(std::string_view subscription_lower) const override;
  // The parent of management group `group_lower` of `tenant` over time, or nullptr.
  const std::vector<GroupParent>* GroupParents(std::string_view tenant, std::string_view group_lower) const override;
  // Calls `visit` for each assignment whose scope key is `scope_key`, in the order they were loaded. Read in place,
  // not returned as a list: the compiled index would otherwise have to copy a million assignments' texts out of its
  // mapping (400 MiB on the 10M-row benchmark) to hand out stable lists.
  void ForEachAssignmentAt(std::string_view scope_key, FunctionRef<void(const AssignmentView&)> visit) const override;
  // True when some role assignment or Lighthouse authorization is granted on exactly `scope_key`.
  bool HasGrantsAt(std::string_view scope_key) const override { return granted_scopes_.Find(scope_key) != nullptr; }
  // Calls `visit` for each Lighthouse authorization (permanent and eligible) whose scope key is `scope_key`.
  void ForEachLighthouseAt(std::string_view scope_key, FunctionRef<void(const LighthouseView&)> visit) const override;
  // The links of a principal over time (any partner), or nullptr when it never had an active link.
  const std::vector<TimedPartnerLink>* LinksOf(std::string_view principal_key) const override;
  // When the principal existed and was enabled (empty set when never).
  const IntervalSet& EnabledOf(std::string_view principal_key) const override;
  // Whether the directory ever knew the principal.
  bool PrincipalKnown(std::string_view principal_key) const override;
  // Linked principals that are transitive members of group `group_key` ("tenant|group"), or nullptr.
  const std::vector<LinkedMember>* LinkedMembersOf(std::string_view group_key) const override;
  // LinksOf and LinkedMembersOf of `principal_key` at once (one lookup: it is asked for every grant of a profile), or
  // nullptr when it has neither.
  const Holder* HolderOf(std::string_view principal_key) const override { return holders_.Find(principal_key); }
  // Principals that ever had a link are numbered densely from 0, so per-principal memos can be vectors.
  std::string_view LinkedKey(int32_t linked_id) const override { return *linked_keys_[static_cast<size_t>(linked_id)]; }
  // The partner directory entry, or nullptr when the ID was never listed.
  const PartnerInfo* Partner(std::string_view partner_id) const override;
  // The AdminType name of a role: built-in catalogue name, else the tenant's custom roleName, else `exported`,
  // else the GUID.
  std::string RoleName(std::string_view tenant, std::string_view role_guid, std::string_view exported) const override;

  size_t linked_principal_count() const override { return linked_keys_.size(); }

 private:
  friend struct CompiledIndexWriter;  // reads the maps to write the compiled index (compiled_index.cc)
  void Add(AnyFact& fact);  // moves strings out of `fact`
  void Finish();

  StringMap<std::vector<Placement>> placements_;
  StringMap<std::vector<GroupParent>> group_parents_;
  StringMap<std::vector<AssignmentEntry>> assignments_;
  FlatStringMap<std::vector<AssignmentEntry>*> assignments_by_text_;  // scope as written -> its list (while loading)
  StringMap<std::vector<LighthouseEntry>> lighthouse_;
  FlatStringMap<bool> granted_scopes_;  // keys of assignments_ and lighthouse_, for HasGrantsAt (asked per resource)
  StringMap<std::vector<TimedPartnerLink>> links_;
  StringMap<IntervalSet> enabled_;
  StringMap<std::vector<std::pair<std::string, Interval>>> member_of_;  // member key -> (group key, when)
  StringMap<std::vector<LinkedMember>> linked_members_;
  std::vector<const std::string*> linked_keys_;  // linked id -> its key in links_
  FlatStringMap<Holder> holders_;
  StringMap<PartnerInfo> partners_;
  StringMap<std::pair<Timestamp, std::string>> custom_roles_;  // "tenant|guid" -> (newest from, roleName)
};

}  // namespace openpal::engine
