// ReadSnapshot: walks the folder, reads snapshot.json, partners.csv and each tenant's files, and removes
// harmless duplicates (the same entry listed twice) while refusing conflicting ones.
#include "ingest/snapshot_reader.h"

#include <algorithm>
#include <array>
#include <filesystem>
#include <map>
#include <set>
#include <unordered_map>

#include "core/guid.h"
#include "core/quote.h"
#include "ingest/entry_fields.h"
#include "ingest/input_file.h"
#include "ingest/tenant_files.h"

namespace openpal::ingest {
namespace fs = std::filesystem;
namespace {

// Whether something is at `path`: false only when nothing is; an error when that cannot be told (a folder that
// cannot be searched) or when a symbolic link points nowhere, so that no file is skipped for being unreadable.
Result<bool> Exists(const fs::path& path, const std::string& display) {
  std::error_code ec;
  fs::file_status status = fs::symlink_status(path, ec);
  if (ec && ec != std::errc::no_such_file_or_directory)
    return Status::Error(StatusCode::kIoError, "cannot look it up: " + ec.message(), display);
  if (ec || status.type() == fs::file_type::not_found) return false;
  if (status.type() == fs::file_type::symlink) {
    fs::file_status target = fs::status(path, ec);
    if (ec && ec != std::errc::no_such_file_or_directory)
      return Status::Error(StatusCode::kIoError, "cannot follow the symbolic link: " + ec.message(), display);
    if (ec || target.type() == fs::file_type::not_found)
      return Status::Error(StatusCode::kIoError, "a symbolic link to nothing (" + fs::read_symlink(path, ec).string() + ")", display);
  }
  return true;
}

// Reads `name` in `folder` when present: calls `read` with the opened file. Absent = nothing happens.
template <typename ReadFn>
Status IfPresent(const fs::path& root, const std::string& relative, ReadFn read) {
  fs::path path = root / relative;
  std::error_code ec;
  auto present = Exists(path, relative);
  if (!present.ok()) return present.status();
  if (!*present) return Status::Ok();
  if (!fs::is_regular_file(path, ec)) return Status::Error(StatusCode::kCorruption, "expected a regular file", relative);
  auto file = JsonFile::Open(path.string(), relative);
  if (!file.ok()) return file.status();
  return read(**file);
}

// Keeps the first of entries with the same key when they are equal; two different entries under one key
// are an error naming both places (`what` says what the key is).
template <typename T, typename KeyFn, typename WhereFn>
Status Deduplicate(std::vector<T>& items, KeyFn key_of, WhereFn where_of, const std::string& what,
                   bool equal_is_error = false) {
  std::unordered_map<std::string, size_t> first;
  first.reserve(items.size());
  std::vector<T> kept;
  kept.reserve(items.size());
  for (T& item : items) {
    auto [it, inserted] = first.emplace(key_of(item), kept.size());
    if (inserted) {
      kept.push_back(std::move(item));
      continue;
    }
    const T& earlier = kept[it->second];
    if (equal_is_error || !(earlier.value == item.value))
      return Status::Error(StatusCode::kCorruption,
                           what + " " + QuoteValue(it->first) + " is listed twice" + (equal_is_error ? "" : " with different values") +
                               " (also at " + where_of(earlier) + ")",
                           where_of(item));
  }
  items = std::move(kept);
  return Status::Ok();
}

// A plain struct wrapper so that Deduplicate can compare values of types without a `where`.
template <typename T>
struct Placed {
  T value;
  std::string where;
};

Status ReadSnapshotJson(const fs::path& root, std::optional<Timestamp>& as_of, std::optional<Timestamp>& assume) {
  return IfPresent(root, "snapshot.json", [&](JsonFile& file) -> Status {
    static constexpr std::array<FieldSpec, 2> kSpecs = {{{"asOf"}, {"assumeSince"}}};
    return file.ForEachEntry(
        [&](simdjson::ondemand::value& v, const std::string& path) -> Status {
          std::vector<FieldSlot> slots;
          if (Status s = ReadObject(file, v, path, kSpecs, slots); !s.ok()) return s;
          EntryCheck check(file, path, nullptr);
          auto a = check.OptionalTime(slots[0], "asOf");
          if (!a.ok()) return a.status();
          auto b = check.OptionalTime(slots[1], "assumeSince");
          if (!b.ok()) return b.status();
          as_of = *a;
          assume = *b;
          return Status::Ok();
        },
        /*single_object_ok=*/true);
  });
}

Status ReadTenantJson(const fs::path& root, const std::string& folder, const TenantId& tenant_id, Tenant& out) {
  std::string relative = folder + "/tenant.json";
  auto present = Exists(root / relative, relative);
  if (!present.ok()) return present.status();
  if (!*present) return Status::Error(StatusCode::kNotFound, "every tenant folder needs a tenant.json", relative);
  bool seen = false;
  Status s = IfPresent(root, relative, [&](JsonFile& file) -> Status {
    static constexpr std::array<FieldSpec, 3> kSpecs = {{{"tenantId"}, {"displayName"}, {"defaultDomain"}}};
    return file.ForEachEntry(
        [&](simdjson::ondemand::value& v, const std::string& path) -> Status {
          std::vector<FieldSlot> slots;
          if (Status st = ReadObject(file, v, path, kSpecs, slots); !st.ok()) return st;
          EntryCheck check(file, path, nullptr);
          auto id = check.RequiredGuid(slots[0], "tenantId");
          if (!id.ok()) return id.status();
          if (*id != tenant_id)
            return check.Error(StatusCode::kCorruption, "tenantId " + *id + " differs from the folder's name " + tenant_id,
                               &slots[0], "tenantId");
          out = Tenant{tenant_id, EntryCheck::TextOr(slots[1]), EntryCheck::TextOr(slots[2])};
          seen = true;
          return Status::Ok();
        },
        /*single_object_ok=*/true);
  });
  if (s.ok() && !seen) return Status::Error(StatusCode::kCorruption, "expected one object with tenantId", relative);
  return s;
}

Status ReadTenant(const fs::path& root, const std::string& folder_name, const ReadOptions& options,
                  TenantSnapshot& t) {
  auto tenant_id = NormalizeGuid(folder_name);
  t.folder = "tenants/" + folder_name;
  if (!tenant_id)
    return Status::Error(StatusCode::kCorruption, "a tenant folder is named after its tenant ID (a GUID), not " + QuoteValue(folder_name),
                         t.folder);
  if (Status s = ReadTenantJson(root, t.folder, *tenant_id, t.tenant); !s.ok()) return s;
  const TenantId& id = t.tenant.tenant_id;
  const std::string f = t.folder + "/";
  const ProgressFn& progress = options.progress;

  auto read_principals = [&](const char* name, PrincipalKind kind, std::optional<std::vector<PrincipalEntry>>& out) {
    return IfPresent(root, f + name, [&](JsonFile& file) -> Status {
      out.emplace();
      std::vector<GroupMembership> memberships;
      Status s = ReadPrincipals(file, id, kind, *out, &memberships, progress);
      if (s.ok() && kind == PrincipalKind::kGroup) t.memberships = std::move(memberships);
      return s;
    });
  };
  if (Status s = read_principals("users.json", PrincipalKind::kUser, t.users); !s.ok()) return s;
  if (Status s = read_principals("servicePrincipals.json", PrincipalKind::kServicePrincipal, t.service_principals);
      !s.ok())
    return s;
  if (Status s = read_principals("groups.json", PrincipalKind::kGroup, t.groups); !s.ok()) return s;
  if (Status s = IfPresent(root, f + "subscriptions.json",
                           [&](JsonFile& file) { return ReadSubscriptions(file, id, t.subscriptions.emplace()); });
      !s.ok())
    return s;
  if (Status s = IfPresent(root, f + "managementGroups.json",
                           [&](JsonFile& file) { return ReadManagementTree(file, id, t.management_groups.emplace()); });
      !s.ok())
    return s;
  if (Status s = IfPresent(root, f + "roleAssignments.json",
                           [&](JsonFile& file) {
                             return ReadRoleAssignments(file, id, t.role_assignments.emplace(), progress);
                           });
      !s.ok())
    return s;
  if (Status s = IfPresent(root, f + "roleDefinitions.json",
                           [&](JsonFile& file) { return ReadCustomRoles(file, id, t.custom_roles.emplace()); });
      !s.ok())
    return s;
  if (Status s = IfPresent(root, f + "registrationAssignments.json",
                           [&](JsonFile& file) { return ReadRegistrationAssignments(file, id, t.lighthouse.emplace()); });
      !s.ok())
    return s;
  if (Status s = IfPresent(root, f + "partnerLinks.json",
                           [&](JsonFile& file) { return ReadPartnerLinks(file, id, t.links.emplace()); });
      !s.ok())
    return s;

  // Duplicates: the same entry twice is one; one identity with two different values is an error.
  auto where = [](const auto& x) { return x.where; };
  std::unordered_map<std::string, std::string> principal_seen;  // object id -> where, across the three files
  for (auto* list : {&t.users, &t.service_principals, &t.groups}) {
    if (!*list) continue;
    if (Status s = Deduplicate(**list, [](const PrincipalEntry& p) { return p.value.object_id; }, where, "object ID");
        !s.ok())
      return s;
    for (const PrincipalEntry& p : **list) {
      auto [it, inserted] = principal_seen.emplace(p.value.object_id, p.where);
      if (!inserted)
        return Status::Error(StatusCode::kCorruption,
                             "object ID " + QuoteValue(p.value.object_id) + " is listed as two kinds of principal (also at " +
                                 it->second + ")",
                             p.where);
    }
  }
  if (t.memberships) {
    std::set<std::pair<std::string, std::string>> seen;
    std::vector<GroupMembership> kept;
    for (GroupMembership& m : *t.memberships)
      if (seen.emplace(m.group_id, m.member_id).second) kept.push_back(std::move(m));
    t.memberships = std::move(kept);
  }
  if (t.subscriptions) {
    std::set<std::string> seen;
    std::vector<SubscriptionEntry> kept;
    for (SubscriptionEntry& e : *t.subscriptions)
      if (seen.insert(e.subscription_id).second) kept.push_back(std::move(e));
    t.subscriptions = std::move(kept);
  }
  if (t.role_assignments) {
    if (Status s = Deduplicate(*t.role_assignments,
                               [](const RoleAssignmentEntry& a) { return AsciiLower(a.value.assignment_name); }, where,
                               "role assignment");
        !s.ok())
      return s;
  }
  if (t.custom_roles) {
    std::vector<Placed<CustomRole>> placed;
    for (CustomRole& r : *t.custom_roles) placed.push_back({std::move(r), f + "roleDefinitions.json"});
    if (Status s = Deduplicate(placed, [](const Placed<CustomRole>& r) { return r.value.role_guid; }, where,
                               "custom role");
        !s.ok())
      return s;
    t.custom_roles->clear();
    for (auto& p : placed) t.custom_roles->push_back(std::move(p.value));
  }
  if (t.lighthouse) {
    std::set<std::string> seen;
    std::vector<LighthouseAuthorization> kept;
    for (LighthouseAuthorization& a : *t.lighthouse)
      if (seen.insert(FactKey(a)).second) kept.push_back(std::move(a));
    t.lighthouse = std::move(kept);
  }
  if (t.links) {
    if (Status s = Deduplicate(*t.links, [](const LinkEntry& l) { return l.value.object_id; }, where,
                               "a link for principal", /*equal_is_error=*/true);
        !s.ok())
      return s;
  }
  return Status::Ok();
}

}  // namespace

Result<Snapshot> ReadSnapshot(const std::string& directory, const ReadOptions& options) {
  fs::path root(directory);
  std::error_code ec;
  if (!fs::is_directory(root, ec))
    return Status::Error(StatusCode::kCorruption, "not a snapshot folder (no such directory)", directory);
  Snapshot snapshot;
  snapshot.directory = directory;
  std::optional<Timestamp> file_as_of, file_assume;
  if (Status s = ReadSnapshotJson(root, file_as_of, file_assume); !s.ok()) return s.WithContext(directory);
  std::optional<Timestamp> as_of = options.as_of ? options.as_of : file_as_of;
  if (!as_of)
    return Status::Error(StatusCode::kCorruption,
                         "the snapshot has no asOf: give --as-of TIME or write snapshot.json {\"asOf\": \"...\"}",
                         directory + "/snapshot.json");
  snapshot.as_of = *as_of;
  snapshot.assume_since = options.assume_since ? options.assume_since : file_assume;
  if (snapshot.assume_since && *snapshot.assume_since >= snapshot.as_of)
    return Status::Error(StatusCode::kCorruption, "assumeSince must be earlier than asOf", directory);

  auto partners_present = Exists(root / "partners.csv", "partners.csv");
  if (!partners_present.ok()) return partners_present.status().WithContext(directory);
  if (*partners_present) {
    auto text = ReadRegularFile((root / "partners.csv").string(), "partners.csv");
    if (!text.ok()) return text.status().WithContext(directory);
    auto partners = ParsePartnersCsv(*text, "partners.csv");
    if (!partners.ok()) return partners.status().WithContext(directory);
    // A header without rows says "no partner exists": importing it closes every partner in the history, which
    // cannot be undone. It is far more often a broken export (or line ends not read), so it must be meant.
    if (partners->empty() && !options.allow_empty_partners)
      return Status::Error(StatusCode::kCorruption,
                           "partners.csv has a header and no partner rows: importing it would close every partner in "
                           "the history. Leave partners.csv out if the partners are not known, or import with "
                           "--allow-empty-partners if the directory is really empty",
                           directory + "/partners.csv");
    snapshot.partners = std::move(partners).value();
  }

  // Every tenant folder is read: a listing that fails, or an entry that is not a folder, is an error, never a
  // tenant silently left out (entries whose names start with '.', such as .DS_Store, are not tenants).
  fs::path tenants_dir = root / "tenants";
  std::vector<std::string> folders;
  auto tenants_present = Exists(tenants_dir, "tenants");
  if (!tenants_present.ok()) return tenants_present.status().WithContext(directory);
  if (*tenants_present) {
    if (!fs::is_directory(tenants_dir, ec))
      return Status::Error(StatusCode::kCorruption, "expected a folder of tenant folders, found a file", directory + "/tenants");
    fs::directory_iterator it(tenants_dir, ec), end;
    for (; !ec && it != end; it.increment(ec)) {
      std::string name = it->path().filename().string();
      if (name.starts_with(".")) continue;
      std::string shown = directory + "/tenants/" + name;
      auto present = Exists(it->path(), shown);
      if (!present.ok()) return present.status();
      bool is_folder = it->is_directory(ec);
      if (ec) break;
      if (!is_folder)
        return Status::Error(StatusCode::kCorruption, "expected a tenant folder (named after its tenant ID), found a file",
                             shown);
      folders.push_back(std::move(name));
    }
    if (ec) return Status::Error(StatusCode::kIoError, "cannot list the tenant folders: " + ec.message(), directory + "/tenants");
  }
  if (folders.empty() && !snapshot.partners)
    return Status::Error(StatusCode::kCorruption, "the snapshot has neither tenants/<tenantId>/ folders nor a partners.csv",
                         directory);
  std::sort(folders.begin(), folders.end());
  std::set<TenantId> seen;
  for (const std::string& folder : folders) {
    TenantSnapshot t;
    if (Status s = ReadTenant(root, folder, options, t); !s.ok()) return s.WithContext(directory);
    if (!seen.insert(t.tenant.tenant_id).second)
      return Status::Error(StatusCode::kCorruption, "two folders name tenant " + t.tenant.tenant_id, directory + "/" + t.folder);
    snapshot.tenants.push_back(std::move(t));
  }
  return snapshot;
}

}  // namespace openpal::ingest
