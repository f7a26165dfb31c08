// ARM scopes and resource IDs: parsing every form, case-insensitive segment-wise comparison, ancestry.
// Grammar and rules: docs/core.md, docs/spec-snapshot-format.md "Scopes".
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace openpal {

// What a scope is, from the top of the hierarchy down.
enum class ScopeKind {
  kRoot,              // "/"
  kManagementGroup,   // /providers/Microsoft.Management/managementGroups/{mg}
  kTenantResource,    // /providers/{ns}/{type}/{name}[...] (e.g. reservations, billing accounts)
  kSubscription,      // /subscriptions/{sub}
  kSubscriptionResource,  // /subscriptions/{sub}/providers/{ns}/{type}/{name}[...]
  kResourceGroup,     // /subscriptions/{sub}/resourceGroups/{rg}
  kResource,          // .../resourceGroups/{rg}/providers/{ns}/{type}/{name}[/{childType}/{childName}...]
  kExtensionResource, // {any scope above}/providers/{ns}/{type}/{name} where the scope is itself a resource/MG
};

const char* ScopeKindName(ScopeKind k);

// A parsed ARM scope. Keeps the caller's casing for display and a lowercase key for comparison.
// Value type; cheap to copy for typical IDs.
class Scope {
 public:
  // Parses `text`. Accepts a trailing "/", repeated case variants (resourcegroups/resourceGroups), nested
  // children and extension resources. Rejects: empty text, no leading "/", empty segments ("//"), a
  // provider namespace without type/name, a type without a name, "/subscriptions" without an ID, and
  // names with control characters. Errors have code InvalidArgument and quote the input.
  static Result<Scope> Parse(std::string_view text);
  // The root scope "/".
  static Scope Root();
  // /subscriptions/{id} and /providers/Microsoft.Management/managementGroups/{id}.
  static Scope ForSubscription(std::string_view subscription_id);
  static Scope ForManagementGroup(std::string_view group_id);

  ScopeKind kind() const { return kind_; }
  // As given (trailing "/" removed); "/" for the root.
  const std::string& text() const { return text_; }
  // Lowercase form used for equality, hashing and prefix tests.
  const std::string& key() const { return key_; }

  // The subscription ID inside the scope (as written), if any.
  std::optional<std::string> subscription_id() const;
  // The resource group name, if any.
  std::optional<std::string> resource_group() const;
  // The management group ID when kind() == kManagementGroup (or an extension on one).
  std::optional<std::string> management_group_id() const;

  // True when this scope is `other` or an ancestor of it, comparing whole segments case-insensitively:
  // /subscriptions/A/resourceGroups/rg1 covers /subscriptions/a/resourcegroups/RG1/providers/... but not
  // .../resourceGroups/rg10. The root covers everything. Management-group ancestry is NOT known here
  // (it depends on the tree at a time); see the directory queries for that.
  bool Covers(const Scope& other) const;

  // The chain of lexical ancestors, nearest first, ending with the subscription (for IDs under one)
  // or the root: for a nested resource, its parent resources, its resource group, its subscription.
  // Does not include the scope itself, management groups, or "/" for subscription-bound scopes
  // (the caller adds MGs and "/" from the tree at the time).
  std::vector<Scope> LexicalAncestors() const;

  // The immediate lexical parent, or nullopt for the root, a subscription or a management group.
  std::optional<Scope> Parent() const;

  friend bool operator==(const Scope& a, const Scope& b) { return a.key_ == b.key_; }
  friend bool operator<(const Scope& a, const Scope& b) { return a.key_ < b.key_; }

 private:
  ScopeKind kind_ = ScopeKind::kRoot;
  std::string text_ = "/";
  std::string key_ = "/";
};

}  // namespace openpal
