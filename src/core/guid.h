// GUIDs as Azure writes them (object IDs, tenant IDs, subscription IDs, role definition IDs).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace openpal {

// True for the 8-4-4-4-12 hexadecimal form, either case, optionally wrapped in braces.
bool IsGuid(std::string_view text);

// The canonical form (lowercase, no braces) of a GUID, or nullopt if `text` is not one.
std::optional<std::string> NormalizeGuid(std::string_view text);

// The role GUID in a role definition ID: the last path segment of
// "/subscriptions/{s}/providers/Microsoft.Authorization/roleDefinitions/{guid}" or a bare GUID; nullopt if none.
std::optional<std::string> RoleGuidFromDefinitionId(std::string_view id);

// A random (version 4) GUID in canonical form.
std::string NewGuid();

// ASCII lowercase copy (the one case folding of ids, keys and header names: GUIDs and ARM ids are ASCII).
std::string AsciiLower(std::string_view s);
// The same in place, reusing `s`'s storage (no copy per fact on hot paths).
std::string AsciiLower(std::string&& s);
// Case-insensitive ASCII equality.
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

}  // namespace openpal
