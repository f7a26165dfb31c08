// Writing, reading and merging partial attribution results (format: docs/partial-format.md).
#include "engine/partial.h"

#include <sys/stat.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>

#define XXH_INLINE_ALL
#include <xxhash.h>

namespace openpal::engine {
namespace {

constexpr char kMagic[8] = {'P', 'A', 'L', 'P', 'A', 'R', 'T', '\n'};
constexpr size_t kMaxListed = 1000;  // as AttributeOptions::max_rejected_lines
constexpr std::string_view kRejected = "rejected: ";
constexpr std::string_view kMore = " more rejected rows not listed";

class Writer {
 public:
  void U32(uint32_t v) { Raw(&v, sizeof v); }
  void U64(uint64_t v) { Raw(&v, sizeof v); }
  void I64(int64_t v) { Raw(&v, sizeof v); }
  void Amount(Money m) {  // two's complement, low word first
    const unsigned __int128 u = static_cast<unsigned __int128>(m.units);
    U64(static_cast<uint64_t>(u));
    U64(static_cast<uint64_t>(u >> 64));
  }
  void Str(std::string_view s) {
    U32(static_cast<uint32_t>(s.size()));
    bytes.append(s);
  }
  void Raw(const void* p, size_t n) { bytes.append(static_cast<const char*>(p), n); }
  std::string bytes;
};

class Reader {
 public:
  explicit Reader(std::string_view bytes) : bytes_(bytes) {}
  bool ok() const { return ok_; }
  uint32_t U32() { return Fixed<uint32_t>(); }
  uint64_t U64() { return Fixed<uint64_t>(); }
  int64_t I64() { return Fixed<int64_t>(); }
  Money Amount() {
    const uint64_t lo = U64(), hi = U64();
    return Money{static_cast<__int128>((static_cast<unsigned __int128>(hi) << 64) | lo)};
  }
  std::string Str() {
    const uint32_t n = U32();
    if (!ok_ || n > bytes_.size() - at_) {
      ok_ = false;
      return {};
    }
    std::string s(bytes_.substr(at_, n));
    at_ += n;
    return s;
  }
  // A count of records of at least `min_size` bytes each: more than the bytes left is corruption, not a huge reserve.
  uint64_t Count(size_t min_size) {
    const uint64_t n = U64();
    if (n > (bytes_.size() - at_) / min_size) ok_ = false;
    return ok_ ? n : 0;
  }
  size_t at() const { return at_; }

 private:
  template <typename T>
  T Fixed() {
    T v{};
    if (!ok_ || sizeof v > bytes_.size() - at_) {
      ok_ = false;
      return v;
    }
    std::memcpy(&v, bytes_.data() + at_, sizeof v);
    at_ += sizeof v;
    return v;
  }
  std::string_view bytes_;
  size_t at_ = 0;
  bool ok_ = true;
};

Result<InputDigest> DigestOf(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    return Status::Error(StatusCode::kIoError, std::string("cannot stat the input: ") + std::strerror(errno), path);
  return InputDigest{path, static_cast<uint64_t>(st.st_size),
                     static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec};
}

}  // namespace

Result<Partial> AttributeToPartial(const DirectoryView& index, const Store::DirectoryVersion& directory,
                                   const RolePolicy& policy, const std::string& policy_text, const std::string& measure,
                                   AttributeOptions options) {
  Partial part;
  part.directory = directory;
  part.role_policy = policy_text;
  part.measure = measure;
  for (const auto& file : options.files) {
    auto digest = DigestOf(file);
    if (!digest.ok()) return digest.status();
    part.inputs.push_back(std::move(digest).value());
  }
  // The rejected-row listing is captured into the part; other notes go where the caller asked.
  std::ostream* notes = options.rejected_log;
  std::ostringstream log;
  options.rejected_log = &log;
  options.max_rejected_lines = kMaxListed;
  auto result = RunAttribution(index, policy, options);
  if (!result.ok()) return result.status();
  part.result = std::move(result).value();
  std::istringstream lines(log.str());
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(kRejected, 0) == 0 && line.size() > kMore.size() &&
        line.compare(line.size() - kMore.size(), kMore.size(), kMore) == 0) {
      part.rejected_total += std::stoull(line.substr(kRejected.size()));
    } else if (line.rfind(kRejected, 0) == 0) {
      part.rejected_lines.push_back(line);
      ++part.rejected_total;
    } else if (notes) {
      *notes << line << '\n';
    }
  }
  return part;
}

void WritePartial(const Partial& part, std::ostream& out) {
  Writer w;
  w.Raw(kMagic, sizeof kMagic);
  w.U32(kPartialFormatVersion);
  w.Str(part.directory.store_id);
  w.U64(part.directory.version);
  w.Str(part.role_policy);
  w.Str(part.measure);
  w.U64(part.inputs.size());
  for (const auto& input : part.inputs) {
    w.Str(input.path);
    w.U64(input.size);
    w.I64(input.mtime_ns);
  }
  const AttributionResult& r = part.result;
  w.U64(r.rows_read);
  w.U64(r.rows_rejected_without_cost);
  w.U64(r.distinct_scopes);
  w.U64(r.report.size());
  for (const auto& row : r.report) {
    for (const std::string* s : {&row.partner_id, &row.partner_name, &row.customer_tenant_id, &row.subscription_id,
                                 &row.month, &row.currency, &row.admin_type})
      w.Str(*s);
    w.U64(row.usage_rows);
    w.Amount(row.total_cost);
    w.Amount(row.attributed_cost);
  }
  w.U64(r.unattributed.size());
  for (const auto& row : r.unattributed) {
    for (const std::string* s : {&row.subscription_id, &row.month, &row.currency, &row.reason}) w.Str(*s);
    w.U64(row.usage_rows);
    w.Amount(row.total_cost);
  }
  w.U64(r.reconciliation.size());
  for (const auto& c : r.reconciliation) {
    w.Str(c.currency);
    w.U64(c.rows_credited);
    w.U64(c.rows_not_credited);
    w.U64(c.rows_rejected);
    for (Money m : {c.read, c.credited, c.not_credited, c.rejected, c.attributed}) w.Amount(m);
  }
  w.U64(part.rejected_total);
  w.U64(part.rejected_lines.size());
  for (const auto& line : part.rejected_lines) w.Str(line);
  const uint64_t checksum = XXH3_64bits(w.bytes.data(), w.bytes.size());
  w.U64(checksum);
  out.write(w.bytes.data(), static_cast<std::streamsize>(w.bytes.size()));
}

Result<Partial> ReadPartial(std::istream& in, const std::string& name) {
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto corrupt = [&](const std::string& what) {
    return Status::Error(StatusCode::kCorruption, "not a usable attribution part (" + what + ")", name);
  };
  if (bytes.size() < sizeof kMagic + 4 + 8 || std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0)
    return corrupt("no PALPART magic");
  uint64_t stored = 0;
  std::memcpy(&stored, bytes.data() + bytes.size() - 8, 8);
  if (XXH3_64bits(bytes.data(), bytes.size() - 8) != stored) return corrupt("checksum mismatch: truncated or damaged");
  Reader r(std::string_view(bytes).substr(sizeof kMagic, bytes.size() - 8 - sizeof kMagic));
  const uint32_t version = r.U32();
  if (version != kPartialFormatVersion)
    return Status::Error(StatusCode::kFailedPrecondition,
                         "the part has format version " + std::to_string(version) + ", this binary reads version " +
                             std::to_string(kPartialFormatVersion),
                         name);
  Partial part;
  part.directory.store_id = r.Str();
  part.directory.version = r.U64();
  part.role_policy = r.Str();
  part.measure = r.Str();
  for (uint64_t n = r.Count(20), i = 0; i < n; ++i) {
    InputDigest input;
    input.path = r.Str();
    input.size = r.U64();
    input.mtime_ns = r.I64();
    part.inputs.push_back(std::move(input));
  }
  AttributionResult& result = part.result;
  result.rows_read = r.U64();
  result.rows_rejected_without_cost = r.U64();
  result.distinct_scopes = r.U64();
  for (uint64_t n = r.Count(7 * 4 + 8 + 32), i = 0; i < n && r.ok(); ++i) {
    ReportRow row;
    for (std::string* s : {&row.partner_id, &row.partner_name, &row.customer_tenant_id, &row.subscription_id,
                           &row.month, &row.currency, &row.admin_type})
      *s = r.Str();
    row.usage_rows = r.U64();
    row.total_cost = r.Amount();
    row.attributed_cost = r.Amount();
    result.report.push_back(std::move(row));
  }
  for (uint64_t n = r.Count(4 * 4 + 8 + 16), i = 0; i < n && r.ok(); ++i) {
    UnattributedRow row;
    for (std::string* s : {&row.subscription_id, &row.month, &row.currency, &row.reason}) *s = r.Str();
    row.usage_rows = r.U64();
    row.total_cost = r.Amount();
    result.unattributed.push_back(std::move(row));
  }
  for (uint64_t n = r.Count(4 + 24 + 80), i = 0; i < n && r.ok(); ++i) {
    CurrencyReconciliation c;
    c.currency = r.Str();
    c.rows_credited = r.U64();
    c.rows_not_credited = r.U64();
    c.rows_rejected = r.U64();
    for (Money* m : {&c.read, &c.credited, &c.not_credited, &c.rejected, &c.attributed}) *m = r.Amount();
    result.reconciliation.push_back(std::move(c));
  }
  part.rejected_total = r.U64();
  for (uint64_t n = r.Count(4), i = 0; i < n && r.ok(); ++i) part.rejected_lines.push_back(r.Str());
  if (!r.ok()) return corrupt("a record runs past the end");
  return part;
}

Result<Partial> ReadPartialFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::Error(StatusCode::kNotFound, "cannot open the attribution part", path);
  return ReadPartial(in, path);
}

Result<Partial> MergePartials(std::vector<Partial> parts) {
  if (parts.empty()) return Status::Error(StatusCode::kInvalidArgument, "no parts to merge");
  const Partial& first = parts.front();
  std::set<std::pair<std::string, uint64_t>> seen;  // (path, size) of every input
  for (size_t i = 0; i < parts.size(); ++i) {
    const Partial& p = parts[i];
    const std::string which = "part " + std::to_string(i + 1);
    if (p.directory.store_id != first.directory.store_id || p.directory.version != first.directory.version)
      return Status::Error(StatusCode::kFailedPrecondition,
                           "credited against another directory (store " + p.directory.store_id + " version " +
                               std::to_string(p.directory.version) + ", part 1: store " + first.directory.store_id +
                               " version " + std::to_string(first.directory.version) + ")",
                           which);
    if (p.role_policy != first.role_policy)
      return Status::Error(StatusCode::kFailedPrecondition, "credited under another role policy than part 1", which);
    if (p.measure != first.measure)
      return Status::Error(StatusCode::kFailedPrecondition,
                           "credited with measure " + p.measure + ", part 1 with " + first.measure, which);
    for (const auto& input : p.inputs)
      if (!seen.emplace(input.path, input.size).second)
        return Status::Error(StatusCode::kFailedPrecondition,
                             "reads " + input.path + " again: its rows would be counted twice", which);
  }
  Partial merged;
  merged.directory = first.directory;
  merged.role_policy = first.role_policy;
  merged.measure = first.measure;
  std::vector<AttributionResult> results;
  for (auto& p : parts) {
    merged.inputs.insert(merged.inputs.end(), p.inputs.begin(), p.inputs.end());
    merged.rejected_total += p.rejected_total;
    for (auto& line : p.rejected_lines)
      if (merged.rejected_lines.size() < kMaxListed) merged.rejected_lines.push_back(std::move(line));
    results.push_back(std::move(p.result));
  }
  merged.result = MergeResults(std::move(results));
  return merged;
}

void WriteRejectedLines(const Partial& part, std::ostream& out) {
  for (const auto& line : part.rejected_lines) out << line << '\n';
  if (part.rejected_total > part.rejected_lines.size())
    out << kRejected << (part.rejected_total - part.rejected_lines.size()) << kMore << '\n';
}

}  // namespace openpal::engine
