// `pal explain`: one resource at one moment, walked through the crediting steps, every path with its verdict.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/roles.h"
#include "core/time.h"
#include "engine/directory_index.h"
#include "engine/paths.h"

namespace openpal::engine {

// One path's verdict at the moment asked about.
struct PathVerdict {
  CandidatePath path;
  std::string partner_at;       // the partner ID O was linked to then ("" when none)
  bool access = false, linked = false, enabled = false, partner_valid = false, role_passes = false;
  bool qualifies = false;
  std::string explanation;      // in words: why it qualifies or the first step that fails
};

struct Explanation {
  std::string resource;         // as given
  std::string at;               // ISO time
  std::string subscription_id;  // "" when none
  std::string customer_tenant;  // "" when unknown
  std::vector<std::string> chain;      // scopes looked at, nearest first (management groups as of then)
  std::vector<PathVerdict> paths;
  std::vector<std::string> credited_partners;  // partner IDs credited at that moment
  std::optional<std::string> reason;           // the reason code when nobody is credited
  std::string summary;                         // one sentence
};

// Explains `resource_text` (a resource ID, a scope, or a bare subscription GUID) at `at`, optionally only the paths
// of one partner ID. Errors only for text that is neither a scope nor a GUID.
Result<Explanation> Explain(const DirectoryView& index, const RolePolicy& policy, const std::string& resource_text,
                            Timestamp at, const std::optional<std::string>& partner);

// A readable multi-line text and a JSON document of the same content.
std::string ExplanationText(const Explanation& e);
std::string ExplanationJson(const Explanation& e);

}  // namespace openpal::engine
