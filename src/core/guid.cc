// GUID recognition, normalization and generation; ASCII case helpers shared by the other core files.
#include "core/guid.h"

#include <random>

namespace openpal {
namespace {

bool IsHex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
char Lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// Strips one pair of braces, then checks 8-4-4-4-12 hex digits.
std::optional<std::string_view> GuidBody(std::string_view text) {
  if (text.size() == 38 && text.front() == '{' && text.back() == '}') text = text.substr(1, 36);
  if (text.size() != 36) return std::nullopt;
  for (size_t i = 0; i < 36; ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? text[i] != '-' : !IsHex(text[i])) return std::nullopt;
  }
  return text;
}

}  // namespace

bool IsGuid(std::string_view text) { return GuidBody(text).has_value(); }

std::optional<std::string> NormalizeGuid(std::string_view text) {
  auto body = GuidBody(text);
  if (!body) return std::nullopt;
  return AsciiLower(*body);
}

std::optional<std::string> RoleGuidFromDefinitionId(std::string_view id) {
  const size_t slash = id.rfind('/');
  if (slash == std::string_view::npos) return NormalizeGuid(id);
  // A path must name a role definition: the GUID of "/subscriptions/{s}" is not a role.
  const std::string_view before = id.substr(0, slash);
  const size_t prev = before.rfind('/');
  const std::string_view collection = prev == std::string_view::npos ? before : before.substr(prev + 1);
  if (!EqualsIgnoreCase(collection, "roleDefinitions")) return std::nullopt;
  return NormalizeGuid(id.substr(slash + 1));
}

std::string NewGuid() {
  // Request and operation IDs, not secrets: a per-thread engine seeded once from random_device suffices.
  thread_local std::mt19937_64 engine{[] {
    std::random_device rd;
    std::seed_seq seq{rd(), rd(), rd(), rd(), rd(), rd(), rd(), rd()};
    return std::mt19937_64(seq);
  }()};
  unsigned char bytes[16];
  const uint64_t hi = engine(), lo = engine();
  for (int i = 0; i < 8; ++i) {
    bytes[i] = static_cast<unsigned char>(hi >> (8 * i));
    bytes[8 + i] = static_cast<unsigned char>(lo >> (8 * i));
  }
  bytes[6] = static_cast<unsigned char>((bytes[6] & 0x0f) | 0x40);  // version 4
  bytes[8] = static_cast<unsigned char>((bytes[8] & 0x3f) | 0x80);  // RFC 4122 variant
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    out += kHex[bytes[i] >> 4];
    out += kHex[bytes[i] & 0x0f];
  }
  return out;
}

std::string AsciiLower(std::string&& s) {
  for (char& c : s) c = Lower(c);
  return std::move(s);
}

std::string AsciiLower(std::string_view s) { return AsciiLower(std::string(s)); }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (Lower(a[i]) != Lower(b[i])) return false;
  }
  return true;
}

}  // namespace openpal
