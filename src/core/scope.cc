// ARM scope parsing (see docs/core.md "Scopes"): one pass over the '/'-separated segments that classifies
// the scope and records where each lexical ancestor ends, so Parent() and LexicalAncestors() are prefixes.
#include "core/scope.h"

#include <cstdio>

#include "core/guid.h"

namespace openpal {
namespace {

// The shape of a valid scope: its kind, its segments, and the segment counts of its lexical ancestors.
struct Layout {
  ScopeKind kind = ScopeKind::kRoot;
  std::string_view text;                  // normalized: no trailing "/", no dangling collection type
  std::vector<std::string_view> segs;
  // The scope's lexical ancestors then itself, as (segment count of the prefix, kind of that prefix).
  std::vector<std::pair<size_t, ScopeKind>> bounds;
  bool first_chain_is_mg = false;

  // Offset in `text` just past segment i.
  size_t SegEnd(size_t i) const { return static_cast<size_t>(segs[i].data() - text.data()) + segs[i].size(); }
  std::string_view Prefix(size_t n) const { return n == 0 ? std::string_view("/") : text.substr(0, SegEnd(n - 1)); }
};

bool HasControl(std::string_view s) {
  for (char ch : s) {
    const unsigned char c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7f) return true;
  }
  return false;
}

std::string Quote(std::string_view s) {
  constexpr size_t kMax = 200;
  std::string out = "\"";
  for (size_t i = 0; i < s.size() && i < kMax; ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7f || c == '"' || c == '\\') {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  if (s.size() > kMax) out += "...(" + std::to_string(s.size()) + " bytes)";
  return out + "\"";
}

// Parses `input` into *out, or returns what was expected.
std::optional<std::string> Analyze(std::string_view input, Layout* out) {
  Layout& l = *out;
  if (input.empty()) return "a scope starting with \"/\", got empty text";
  if (input.front() != '/') return "a scope starting with \"/\"";
  if (HasControl(input)) return "no control characters";
  std::string_view text = input;
  const bool trailing_slash = text.size() > 1 && text.back() == '/';
  if (trailing_slash) text.remove_suffix(1);
  if (trailing_slash && text == "/") return "no empty segments (\"//\")";
  if (text == "/") {
    l.text = text;
    return std::nullopt;
  }
  l.text = text;  // SegEnd() measures from here
  l.segs.reserve(16);
  l.bounds.reserve(8);
  for (size_t pos = 1;;) {
    const size_t slash = text.find('/', pos);
    const size_t end = slash == std::string_view::npos ? text.size() : slash;
    if (end == pos) return "no empty segments (\"//\")";
    l.segs.push_back(text.substr(pos, end - pos));
    if (slash == std::string_view::npos) break;
    pos = slash + 1;
  }
  const auto& s = l.segs;
  const size_t n = s.size();
  auto is = [&](size_t i, std::string_view word) { return i < n && EqualsIgnoreCase(s[i], word); };
  auto bound = [&](size_t count, ScopeKind kind) { l.bounds.emplace_back(count, kind); };

  size_t i = 0;
  enum class Base { kTenant, kSubscription, kResourceGroup } base = Base::kTenant;
  if (is(0, "subscriptions")) {
    if (n < 2) return "a subscription ID after /subscriptions";
    base = Base::kSubscription;
    bound(2, ScopeKind::kSubscription);
    i = 2;
    if (is(2, "resourceGroups")) {
      if (n < 4) return "a resource group name after /resourceGroups";
      base = Base::kResourceGroup;
      bound(4, ScopeKind::kResourceGroup);
      i = 4;
    }
  } else if (!is(0, "providers")) {
    return "/subscriptions/... or /providers/... after the leading \"/\"";
  }

  int chains = 0;
  // The kind of the scope ending at the current segment, given how many provider chains it has.
  auto kind_here = [&](bool is_child) {
    if (chains >= 2) return ScopeKind::kExtensionResource;
    if (l.first_chain_is_mg) return is_child ? ScopeKind::kTenantResource : ScopeKind::kManagementGroup;
    return base == Base::kTenant         ? ScopeKind::kTenantResource
           : base == Base::kSubscription ? ScopeKind::kSubscriptionResource
                                         : ScopeKind::kResource;
  };
  while (i < n) {
    if (!is(i, "providers")) {
      if (chains == 0) return "\"providers\" or \"resourceGroups\" where " + Quote(s[i]) + " is";
      // A child resource: {childType}/{childName}.
      if (i + 1 >= n) {
        // ".../reservationOrders/{g}/reservations/" (EA exports): a collection URL, not a resource. Read it
        // as the resource that holds the collection; without the trailing "/" it is a type without a name.
        if (trailing_slash) {
          l.text = text.substr(0, l.SegEnd(i - 1));
          l.segs.pop_back();
          break;
        }
        return "a name after the resource type " + Quote(s[i]);
      }
      i += 2;
      bound(i, kind_here(true));
      continue;
    }
    if (i + 1 >= n) return "a provider namespace after \"providers\"";
    if (i + 2 >= n) return "a resource type after the namespace " + Quote(s[i + 1]);
    if (i + 3 >= n) return "a resource name after the type " + Quote(s[i + 2]);
    if (chains == 0 && base == Base::kTenant) {
      l.first_chain_is_mg = EqualsIgnoreCase(s[i + 1], "Microsoft.Management") &&
                            EqualsIgnoreCase(s[i + 2], "managementGroups");
      // A management group's parents come from the tree; a tenant-level resource's parent is the root.
      if (!l.first_chain_is_mg) bound(0, ScopeKind::kRoot);
    }
    ++chains;
    i += 4;
    bound(i, kind_here(false));
  }
  l.kind = l.bounds.back().second;  // non-empty: every accepted path above pushed the scope's own bound
  return std::nullopt;
}

// The segment of text() that starts at `pos` (up to the next "/").
std::string SegmentAt(const std::string& text, size_t pos) {
  const size_t end = text.find('/', pos);
  return text.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
}

// Analyzes text already known to be a valid scope's text().
Layout Reanalyze(const std::string& text) {
  Layout l;
  Analyze(text, &l);
  return l;
}

}  // namespace

const char* ScopeKindName(ScopeKind k) {
  switch (k) {
    case ScopeKind::kRoot: return "Root";
    case ScopeKind::kManagementGroup: return "ManagementGroup";
    case ScopeKind::kTenantResource: return "TenantResource";
    case ScopeKind::kSubscription: return "Subscription";
    case ScopeKind::kSubscriptionResource: return "SubscriptionResource";
    case ScopeKind::kResourceGroup: return "ResourceGroup";
    case ScopeKind::kResource: return "Resource";
    case ScopeKind::kExtensionResource: return "ExtensionResource";
  }
  return "Unknown";
}

Result<Scope> Scope::Parse(std::string_view text) {
  Layout l;
  if (auto expected = Analyze(text, &l)) {
    return Status::Error(StatusCode::kInvalidArgument, "not an ARM scope: " + Quote(text) + " (expected " + *expected + ")");
  }
  Scope s;
  s.kind_ = l.kind;
  s.text_ = std::string(l.text);
  s.key_ = AsciiLower(s.text_);
  return s;
}

Scope Scope::Root() { return Scope(); }

Scope Scope::ForSubscription(std::string_view subscription_id) {
  Scope s;
  s.kind_ = ScopeKind::kSubscription;
  s.text_ = "/subscriptions/" + std::string(subscription_id);
  s.key_ = AsciiLower(s.text_);
  return s;
}

Scope Scope::ForManagementGroup(std::string_view group_id) {
  Scope s;
  s.kind_ = ScopeKind::kManagementGroup;
  s.text_ = "/providers/Microsoft.Management/managementGroups/" + std::string(group_id);
  s.key_ = AsciiLower(s.text_);
  return s;
}

std::optional<std::string> Scope::subscription_id() const {
  // Cheap prefix tests on the key instead of a re-parse: this runs once per usage row.
  static constexpr std::string_view kPrefix = "/subscriptions/";
  if (key_.compare(0, kPrefix.size(), kPrefix) != 0 || key_.size() == kPrefix.size()) return std::nullopt;
  return SegmentAt(text_, kPrefix.size());
}

std::optional<std::string> Scope::resource_group() const {
  static constexpr std::string_view kSubscriptions = "/subscriptions/";
  static constexpr std::string_view kGroups = "/resourcegroups/";
  if (key_.compare(0, kSubscriptions.size(), kSubscriptions) != 0) return std::nullopt;
  const size_t after_sub = key_.find('/', kSubscriptions.size());
  if (after_sub == std::string::npos || key_.compare(after_sub, kGroups.size(), kGroups) != 0) return std::nullopt;
  if (after_sub + kGroups.size() >= key_.size()) return std::nullopt;
  return SegmentAt(text_, after_sub + kGroups.size());
}

std::optional<std::string> Scope::management_group_id() const {
  if (kind_ != ScopeKind::kManagementGroup && kind_ != ScopeKind::kExtensionResource) return std::nullopt;
  const Layout l = Reanalyze(text_);
  if (!l.first_chain_is_mg) return std::nullopt;
  return std::string(l.segs[3]);
}

bool Scope::Covers(const Scope& other) const {
  if (kind_ == ScopeKind::kRoot) return true;
  // Whole segments only: the prefix must end where a segment of `other` ends.
  return other.key_.size() >= key_.size() && other.key_.compare(0, key_.size(), key_) == 0 &&
         (other.key_.size() == key_.size() || other.key_[key_.size()] == '/');
}

std::vector<Scope> Scope::LexicalAncestors() const {
  std::vector<Scope> out;
  const Layout l = Reanalyze(text_);
  if (l.bounds.size() < 2) return out;
  out.reserve(l.bounds.size() - 1);
  for (size_t k = l.bounds.size() - 1; k-- > 0;) {
    // Built from the prefix directly: key_ is text_ lowercased byte for byte, so the lengths agree.
    Scope a;
    a.kind_ = l.bounds[k].second;
    const std::string_view prefix = l.Prefix(l.bounds[k].first);
    a.text_ = std::string(prefix);
    a.key_ = prefix == "/" ? std::string("/") : key_.substr(0, prefix.size());
    out.push_back(std::move(a));
  }
  return out;
}

std::optional<Scope> Scope::Parent() const {
  std::vector<Scope> ancestors = LexicalAncestors();
  if (ancestors.empty()) return std::nullopt;
  return std::move(ancestors.front());
}

}  // namespace openpal
