// Writing, reading and merging partial attribution results (format: docs/partial-format.md).
#include "engine/partial.h"

#include <sys/stat.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <tuple>
#include <algorithm>
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

// Writes a part in two passes over the same code: one that only counts its bytes, then one that copies them into a
// buffer of that size (no growing of a string, and a caller can hand over memory it owns, e.g. a Python bytes).
class Writer {
 public:
  explicit Writer(char* out = nullptr) : out_(out) {}
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
    Raw(s.data(), s.size());
  }
  void Raw(const void* p, size_t n) {
    if (out_ && n) std::memcpy(out_ + size_, p, n);
    size_ += n;
  }
  size_t size() const { return size_; }
  const char* data() const { return out_; }

 private:
  char* out_;  // null: only counting
  size_t size_ = 0;
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
  // The next n bytes, checked once (null, and not ok, when fewer are left): for fixed-size records read in bulk.
  const char* Take(size_t n) {
    if (!ok_ || n > bytes_.size() - at_) {
      ok_ = false;
      return nullptr;
    }
    const char* p = bytes_.data() + at_;
    at_ += n;
    return p;
  }

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

Result<InputDigest> DigestOf(const std::string& path, usage::InputStore* store) {
  if (store && store->Handles(path)) {
    std::optional<uint64_t> size = store->SizeOf(path);
    if (!size) return Status::Error(StatusCode::kInternal, "a stored input of unknown size", path);
    return InputDigest{path, *size, 0, {}, {}, {}};  // its SHA-256 once it is read (AttributeToPartial)
  }
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    return Status::Error(StatusCode::kIoError, std::string("cannot stat the input: ") + std::strerror(errno), path);
  return InputDigest{path, static_cast<uint64_t>(st.st_size),
                     static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec, {}, {}, {}};
}

void WriteTotals(Writer& w, const std::vector<CurrencyReconciliation>& reconciliation) {
  w.U64(reconciliation.size());
  for (const auto& c : reconciliation) {
    w.Str(c.currency);
    w.U64(c.rows_credited);
    w.U64(c.rows_not_credited);
    w.U64(c.rows_rejected);
    for (Money m : {c.read, c.credited, c.not_credited, c.rejected, c.attributed}) w.Amount(m);
  }
}

void ReadTotals(Reader& r, std::vector<CurrencyReconciliation>& reconciliation) {
  for (uint64_t n = r.Count(4 + 24 + 80), i = 0; i < n && r.ok(); ++i) {
    CurrencyReconciliation c;
    c.currency = r.Str();
    c.rows_credited = r.U64();
    c.rows_not_credited = r.U64();
    c.rows_rejected = r.U64();
    for (Money* m : {&c.read, &c.credited, &c.not_credited, &c.rejected, &c.attributed}) *m = r.Amount();
    reconciliation.push_back(std::move(c));
  }
}

constexpr size_t kCellBytes = 7 * 4 + 8 + 32, kMissBytes = 4 * 4 + 8 + 16;

// A result as a table (format 5): its names, then cells and groups as indexes into them.
void WriteCells(Writer& w, const CellTable& t) {
  w.U64(t.rows_read);
  w.U64(t.rows_rejected_without_cost);
  w.U64(t.distinct_scopes);
  w.U64(t.names.size());
  for (const auto& name : t.names) w.Str(name);
  w.U64(t.cells.size());
  for (const auto& c : t.cells) {
    for (uint32_t v : {c.partner, c.partner_name, c.tenant, c.subscription, c.month, c.currency, c.admin}) w.U32(v);
    w.U64(c.rows);
    w.Amount(c.total);
    w.Amount(c.attributed);
  }
  w.U64(t.misses.size());
  for (const auto& u : t.misses) {
    for (uint32_t v : {u.subscription, u.month, u.currency, u.reason}) w.U32(v);
    w.U64(u.rows);
    w.Amount(u.total);
  }
  WriteTotals(w, t.reconciliation);
}

// False when a cell names a text the table does not have.
bool ReadCells(Reader& r, CellTable& t) {
  t.rows_read = r.U64();
  t.rows_rejected_without_cost = r.U64();
  t.distinct_scopes = r.U64();
  for (uint64_t n = r.Count(4), i = 0; i < n && r.ok(); ++i) t.names.push_back(r.Str());
  const uint64_t names = t.names.size();
  bool valid = true;
  // Cells are the bulk of a part: their bytes are checked once, then read field by field without a check each.
  const uint64_t cells = r.Count(kCellBytes);
  const char* p = r.Take(cells * kCellBytes);
  if (!p) return valid;
  t.cells.resize(cells);
  auto u32 = [&p] {
    uint32_t v;
    std::memcpy(&v, p, 4);
    p += 4;
    return v;
  };
  auto u64 = [&p] {
    uint64_t v;
    std::memcpy(&v, p, 8);
    p += 8;
    return v;
  };
  auto amount = [&u64] {
    const uint64_t lo = u64(), hi = u64();
    return Money{static_cast<__int128>((static_cast<unsigned __int128>(hi) << 64) | lo)};
  };
  uint32_t highest = 0;
  for (CellTable::Cell& c : t.cells) {
    for (uint32_t* v : {&c.partner, &c.partner_name, &c.tenant, &c.subscription, &c.month, &c.currency, &c.admin}) {
      *v = u32();
      highest = std::max(highest, *v);
    }
    c.rows = u64();
    c.total = amount();
    c.attributed = amount();
  }
  valid = cells == 0 || highest < names;
  for (uint64_t n = r.Count(kMissBytes), i = 0; i < n && r.ok(); ++i) {
    CellTable::Miss u;
    for (uint32_t* v : {&u.subscription, &u.month, &u.currency, &u.reason}) {
      *v = r.U32();
      valid = valid && *v < names;
    }
    u.rows = r.U64();
    u.total = r.Amount();
    t.misses.push_back(u);
  }
  ReadTotals(r, t.reconciliation);
  return valid;
}

// A result as rows of text (formats 3 and 4).
void ReadTextResult(Reader& r, CellTable& table) {
  AttributionResult result;
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
  ReadTotals(r, result.reconciliation);
  table = CellsOf(result);
}

}  // namespace

Result<Partial> AttributeToPartial(const DirectoryView& index, const Store::DirectoryVersion& directory,
                                   const RolePolicy& policy, const std::string& policy_text, const std::string& measure,
                                   AttributeOptions options, bool per_input) {
  Partial part;
  part.directory = directory;
  part.role_policy = policy_text;
  part.measure = measure;
  for (const auto& file : options.files) {
    auto digest = DigestOf(file, options.store);
    if (!digest.ok()) return digest.status();
    part.inputs.push_back(std::move(digest).value());
  }
  if (!options.profiles)
    options.profiles = std::make_shared<ProfileCache>(index, policy, std::clamp(options.threads, 1, kMaxThreads));
  // The scopes this part profiled: with a cache shared by the parts of one run (a Dask session), each scope is in
  // the part that profiled it first, so their merge counts every scope of the run once; carrying all the cache's keys
  // in every part would make each part, and each merge, grow with the whole run's scopes.
  const uint32_t first_id = options.profiles->id_bound();
  const bool skip_cleanup = options.skip_cleanup;
  std::vector<CellTable> results;
  if (!per_input) {
    // Only the sum: one run over all the files (its result is finished once, not once per file; the run keeps each
    // file's span and numbers its rejected rows per file).
    RunListing listing;
    options.listing = &listing;
    options.max_rejected_lines = kMaxListed;
    results.emplace_back();
    options.cells = &results.back();
    auto result = RunAttribution(index, policy, options);
    if (!result.ok()) return result.status();
    if (listing.spans.size() != part.inputs.size())
      return Status::Error(StatusCode::kInternal, "the run listed " + std::to_string(listing.spans.size()) +
                                                      " spans for " + std::to_string(part.inputs.size()) + " inputs");
    for (size_t i = 0; i < part.inputs.size(); ++i) part.inputs[i].spans = {listing.spans[i]};
    for (auto& r : listing.rejections)
      part.rejections.push_back(PartRejection{static_cast<uint32_t>(r.file), 0, r.line, std::move(r.why)});
    part.rejected_total = listing.rejected_total;
  }
  // Else each file credited on its own (crediting is per row: the same sums), so the part knows each input's rows;
  // the files share one profile cache, so each resource's profile is built once.
  for (size_t i = 0; per_input && i < part.inputs.size(); ++i) {
    AttributeOptions one = options;
    one.files = {options.files[i]};
    one.skip_cleanup = skip_cleanup && i + 1 == part.inputs.size();
    RunListing listing;
    one.listing = &listing;
    one.max_rejected_lines = kMaxListed - std::min(kMaxListed, part.rejections.size());
    one.cells = &part.inputs[i].result;
    auto result = RunAttribution(index, policy, one);
    if (!result.ok()) return result.status();
    part.inputs[i].spans = listing.spans;
    results.push_back(part.inputs[i].result);
    for (auto& r : listing.rejections)
      part.rejections.push_back(PartRejection{static_cast<uint32_t>(i), 0, r.line, std::move(r.why)});
    part.rejected_total += listing.rejected_total;
  }
  // A blob was checksummed as it streamed (read whole: blobs are never cut into byte ranges).
  for (size_t i = 0; options.store && i < part.inputs.size(); ++i) {
    if (!options.store->Handles(options.files[i])) continue;
    auto sha = options.store->Sha256(options.files[i]);
    if (!sha.ok()) return sha.status();
    part.inputs[i].sha256 = std::move(sha).value();
  }
  part.per_input = per_input;
  part.result = MergeCells(std::move(results));
  part.scope_keys = options.profiles->ScopeKeys(first_id);
  part.result.distinct_scopes = part.scope_keys.size();
  return part;
}

namespace {

// The part's bytes but the checksum (docs/partial-format.md).
void Encode(const Partial& part, Writer& w) {
  w.Raw(kMagic, sizeof kMagic);
  w.U32(kPartialFormatVersion);
  w.U32(part.per_input ? 1 : 0);  // flags
  w.Str(part.directory.store_id);
  w.U64(part.directory.version);
  w.Str(part.role_policy);
  w.Str(part.measure);
  w.U64(part.inputs.size());
  for (const auto& input : part.inputs) {
    w.Str(input.path);
    w.U64(input.size);
    w.I64(input.mtime_ns);
    w.Str(input.sha256);
    w.U64(input.spans.size());
    for (const auto& span : input.spans)
      for (uint64_t v : {span.range.begin, span.range.end, span.first, span.end, span.lines, span.lines_before}) w.U64(v);
  }
  if (part.per_input) {
    for (const auto& input : part.inputs) WriteCells(w, input.result);
  } else {
    WriteCells(w, part.result);
  }
  w.U64(part.scope_keys.size());
  for (const auto& key : part.scope_keys) w.Str(key);
  w.U64(part.rejected_total);
  w.U64(part.rejections.size());
  for (const auto& r : part.rejections) {
    w.U32(r.input);
    w.U32(r.span);
    w.U64(r.line);
    w.Str(r.why);
  }
}

}  // namespace

size_t PartialByteSize(const Partial& part) {
  Writer count;
  Encode(part, count);
  return count.size() + 8;  // and the checksum
}

void PartialToBuffer(const Partial& part, char* out) {
  Writer w(out);
  Encode(part, w);
  const uint64_t checksum = XXH3_64bits(w.data(), w.size());
  w.U64(checksum);
}

std::string PartialToBytes(const Partial& part) {
  std::string bytes(PartialByteSize(part), '\0');
  PartialToBuffer(part, bytes.data());
  return bytes;
}

void WritePartial(const Partial& part, std::ostream& out) {
  const std::string bytes = PartialToBytes(part);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

Result<Partial> ReadPartial(std::istream& in, const std::string& name) {
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return PartialFromBytes(bytes, name);
}

Result<Partial> PartialFromBytes(std::string_view bytes, const std::string& name) {
  auto corrupt = [&](const std::string& what) {
    return Status::Error(StatusCode::kCorruption, "not a usable attribution part (" + what + ")", name);
  };
  if (bytes.size() < sizeof kMagic + 4 + 8 || std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0)
    return corrupt("no PALPART magic");
  uint64_t stored = 0;
  std::memcpy(&stored, bytes.data() + bytes.size() - 8, 8);
  if (XXH3_64bits(bytes.data(), bytes.size() - 8) != stored) return corrupt("checksum mismatch: truncated or damaged");
  Reader r(bytes.substr(sizeof kMagic, bytes.size() - 8 - sizeof kMagic));
  const uint32_t version = r.U32();
  if (version < kOldestReadablePartialVersion || version > kPartialFormatVersion)
    return Status::Error(StatusCode::kFailedPrecondition,
                         "the part has format version " + std::to_string(version) + ", this binary reads versions " +
                             std::to_string(kOldestReadablePartialVersion) + " to " +
                             std::to_string(kPartialFormatVersion),
                         name);
  Partial part;
  if (version >= 4) {
    const uint32_t flags = r.U32();
    if (flags > 1) return corrupt("unknown flags " + std::to_string(flags));
    part.per_input = flags & 1;
  }
  part.directory.store_id = r.Str();
  part.directory.version = r.U64();
  part.role_policy = r.Str();
  part.measure = r.Str();
  for (uint64_t n = r.Count(28), i = 0; i < n && r.ok(); ++i) {
    InputDigest input;
    input.path = r.Str();
    input.size = r.U64();
    input.mtime_ns = r.I64();
    if (version >= 6) input.sha256 = r.Str();
    for (uint64_t m = r.Count(48), j = 0; j < m && r.ok(); ++j) {
      FileSpan span;
      for (uint64_t* v : {&span.range.begin, &span.range.end, &span.first, &span.end, &span.lines, &span.lines_before})
        *v = r.U64();
      input.spans.push_back(span);
    }
    part.inputs.push_back(std::move(input));
  }
  std::vector<CellTable> results;
  bool valid = true;
  auto read_result = [&](CellTable& table) {
    if (version >= 5) {
      valid = ReadCells(r, table) && valid;
    } else {
      ReadTextResult(r, table);
    }
  };
  if (part.per_input) {
    for (auto& input : part.inputs) {
      if (!r.ok()) break;
      read_result(input.result);
      results.push_back(input.result);
    }
  } else {
    results.emplace_back();
    read_result(results.back());
  }
  for (uint64_t n = r.Count(4), i = 0; i < n && r.ok(); ++i) part.scope_keys.push_back(r.Str());
  part.rejected_total = r.U64();
  for (uint64_t n = r.Count(20), i = 0; i < n && r.ok(); ++i) {
    PartRejection rejection;
    rejection.input = r.U32();
    rejection.span = r.U32();
    rejection.line = r.U64();
    rejection.why = r.Str();
    part.rejections.push_back(std::move(rejection));
  }
  if (!r.ok()) return corrupt("a record runs past the end");
  if (!valid) return corrupt("a report cell names a text the part does not hold");
  part.result = MergeCells(std::move(results));
  if (!std::is_sorted(part.scope_keys.begin(), part.scope_keys.end()) ||
      std::adjacent_find(part.scope_keys.begin(), part.scope_keys.end()) != part.scope_keys.end())
    return corrupt("the scope keys are not sorted and distinct");
  part.result.distinct_scopes = part.scope_keys.size();
  for (const auto& rejection : part.rejections)
    if (rejection.input >= part.inputs.size() || rejection.span >= part.inputs[rejection.input].spans.size())
      return corrupt("a rejected row names an input or range the part does not read");
  return part;
}

Result<Partial> ReadPartialFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::Error(StatusCode::kNotFound, "cannot open the attribution part", path);
  return ReadPartial(in, path);
}

namespace {

// One span of an input as read by one part, with where it comes from.
struct SpanOrigin {
  FileSpan span;
  size_t part = 0, index = 0;
};
// Where a part's span went in the merged input: the merged span, and the lines before it there.
struct SpanPlace {
  uint32_t span = 0;
  uint64_t line_shift = 0;
};

std::string Bytes(uint64_t begin, uint64_t end) { return std::to_string(begin) + ":" + std::to_string(end); }

// Joins one input's spans from several parts: sorted by offset, refused where two overlap or where a cut fell inside
// a record, joined where one's records end exactly where the next one's begin. `places[{part, index}]` says where
// each went.
Result<std::vector<FileSpan>> JoinSpans(const std::string& path, std::vector<SpanOrigin> spans,
                                        std::map<std::pair<size_t, size_t>, SpanPlace>& places) {
  std::stable_sort(spans.begin(), spans.end(), [](const SpanOrigin& a, const SpanOrigin& b) {
    return std::tie(a.span.range.begin, a.span.range.end) < std::tie(b.span.range.begin, b.span.range.end);
  });
  std::vector<FileSpan> joined;
  for (size_t i = 0; i < spans.size(); ++i) {
    const FileSpan& s = spans[i].span;
    if (i > 0) {
      const SpanOrigin& prev = spans[i - 1];
      const std::string which = "parts " + std::to_string(prev.part + 1) + " and " + std::to_string(spans[i].part + 1);
      if (s.range.begin < prev.span.range.end)
        return Status::Error(StatusCode::kFailedPrecondition,
                             which + " both read bytes " +
                                 Bytes(s.range.begin, std::min(prev.span.range.end, s.range.end)) + " of " + path +
                                 ": its rows would be counted twice");
      if (s.first < prev.span.end)  // the record before the cut runs on past the line where the next range began
        return Status::Error(StatusCode::kFailedPrecondition,
                             which + ": the cut at byte " + std::to_string(s.range.begin) + " of " + path +
                                 " falls inside a record (a quoted field holding line breaks) that runs to byte " +
                                 std::to_string(prev.span.end) + "; credit bytes " +
                                 Bytes(prev.span.end, std::max(prev.span.end, s.range.end)) + " again in place of part " +
                                 std::to_string(spans[i].part + 1));
    }
    if (!joined.empty() && joined.back().end == s.first) {
      FileSpan& last = joined.back();
      places[{spans[i].part, spans[i].index}] = SpanPlace{static_cast<uint32_t>(joined.size() - 1), last.lines};
      last.range.end = s.range.end;
      last.end = s.end;
      last.lines += s.lines;
    } else {
      places[{spans[i].part, spans[i].index}] = SpanPlace{static_cast<uint32_t>(joined.size()), 0};
      joined.push_back(s);
    }
  }
  return joined;
}

}  // namespace

struct PartialMerger::Impl {
  size_t parts = 0;
  Partial merged;  // directory, policy, measure, inputs (spans joined at the end), totals, scope keys
  // Inputs in the order they first appear; the spans of each from every part that read it.
  std::map<std::string, size_t> input_of;  // path -> merged input
  std::vector<std::vector<SpanOrigin>> spans;
  std::vector<std::vector<CellTable>> input_results;  // while every part so far keeps them
  std::vector<std::vector<size_t>> input_map;         // part's input -> merged input, per part
  std::vector<std::pair<size_t, PartRejection>> rejections;  // (part, its rejection), in part order
  CellMerger cells;
};

PartialMerger::PartialMerger() : impl_(std::make_unique<Impl>()) {}
PartialMerger::~PartialMerger() = default;

Status PartialMerger::Add(Partial part) {
  Impl& m = *impl_;
  const size_t p = m.parts;
  const std::string which = "part " + std::to_string(p + 1);
  if (p == 0) {
    m.merged.directory = part.directory;
    m.merged.role_policy = part.role_policy;
    m.merged.measure = part.measure;
    m.merged.per_input = true;
  } else {
    const Partial& first = m.merged;
    if (part.directory.store_id != first.directory.store_id || part.directory.version != first.directory.version)
      return Status::Error(StatusCode::kFailedPrecondition,
                           "credited against another directory (store " + part.directory.store_id + " version " +
                               std::to_string(part.directory.version) + ", part 1: store " +
                               first.directory.store_id + " version " + std::to_string(first.directory.version) + ")",
                           which);
    if (part.role_policy != first.role_policy)
      return Status::Error(StatusCode::kFailedPrecondition, "credited under another role policy than part 1", which);
    if (part.measure != first.measure)
      return Status::Error(StatusCode::kFailedPrecondition,
                           "credited with measure " + part.measure + ", part 1 with " + first.measure, which);
  }
  m.merged.per_input = m.merged.per_input && part.per_input;
  if (!m.merged.per_input) m.input_results.assign(m.input_results.size(), {});  // the merge keeps only the sum
  m.input_map.emplace_back();
  for (size_t i = 0; i < part.inputs.size(); ++i) {
    InputDigest& input = part.inputs[i];
    auto [it, fresh] = m.input_of.emplace(input.path, m.merged.inputs.size());
    if (fresh) {
      m.merged.inputs.push_back(InputDigest{input.path, input.size, input.mtime_ns, input.sha256, {}, {}});
      m.spans.emplace_back();
      m.input_results.emplace_back();
    } else if (m.merged.inputs[it->second].size != input.size) {
      return Status::Error(StatusCode::kFailedPrecondition,
                           "reads " + input.path + " at " + std::to_string(input.size) + " bytes, another part at " +
                               std::to_string(m.merged.inputs[it->second].size) + ": the file changed between parts",
                           which);
    } else if (!input.sha256.empty() && !m.merged.inputs[it->second].sha256.empty() &&
               input.sha256 != m.merged.inputs[it->second].sha256) {
      return Status::Error(StatusCode::kFailedPrecondition,
                           "reads " + input.path + " with SHA-256 " + input.sha256 + ", another part with " +
                               m.merged.inputs[it->second].sha256 + ": the blob changed between parts",
                           which);
    }
    m.input_map[p].push_back(it->second);
    if (m.merged.per_input) m.input_results[it->second].push_back(std::move(input.result));
    for (size_t k = 0; k < input.spans.size(); ++k) m.spans[it->second].push_back(SpanOrigin{input.spans[k], p, k});
  }
  m.merged.rejected_total += part.rejected_total;
  for (auto& r : part.rejections) m.rejections.emplace_back(p, std::move(r));
  m.cells.Add(std::move(part.result));
  // The distinct scopes of all the parts: the union of their sorted keys.
  std::vector<std::string> both;
  both.reserve(m.merged.scope_keys.size() + part.scope_keys.size());
  std::set_union(std::make_move_iterator(m.merged.scope_keys.begin()), std::make_move_iterator(m.merged.scope_keys.end()),
                 std::make_move_iterator(part.scope_keys.begin()), std::make_move_iterator(part.scope_keys.end()),
                 std::back_inserter(both));
  m.merged.scope_keys = std::move(both);
  ++m.parts;
  return Status::Ok();
}

Result<Partial> PartialMerger::Finish() {
  Impl& m = *impl_;
  if (m.parts == 0) return Status::Error(StatusCode::kInvalidArgument, "no parts to merge");
  Partial merged = std::move(m.merged);
  std::vector<std::map<std::pair<size_t, size_t>, SpanPlace>> places(merged.inputs.size());
  for (size_t i = 0; i < merged.inputs.size(); ++i) {
    auto joined = JoinSpans(merged.inputs[i].path, std::move(m.spans[i]), places[i]);
    if (!joined.ok()) return joined.status();
    merged.inputs[i].spans = std::move(joined).value();
    if (merged.per_input) merged.inputs[i].result = MergeCells(std::move(m.input_results[i]));
  }
  // Each part listed its first rejected rows in input, span and line order; so are the merged ones, then cut.
  for (auto& [p, r] : m.rejections) {
    const size_t i = m.input_map[p][r.input];
    const SpanPlace place = places[i].at({p, r.span});
    merged.rejections.push_back(
        PartRejection{static_cast<uint32_t>(i), place.span, r.line + place.line_shift, std::move(r.why)});
  }
  std::stable_sort(merged.rejections.begin(), merged.rejections.end(), [](const PartRejection& a, const PartRejection& b) {
    return std::tie(a.input, a.span, a.line) < std::tie(b.input, b.span, b.line);
  });
  if (merged.rejections.size() > kMaxListed) merged.rejections.resize(kMaxListed);
  merged.result = m.cells.Finish();
  merged.result.distinct_scopes = merged.scope_keys.size();
  impl_ = std::make_unique<Impl>();
  return merged;
}

Result<Partial> MergePartials(std::vector<Partial> parts) {
  PartialMerger merger;
  for (Partial& part : parts) {
    if (Status added = merger.Add(std::move(part)); !added.ok()) return added;
    part = Partial();  // freed as it is consumed
  }
  return merger.Finish();
}

Status CheckComplete(const Partial& part) {
  for (const auto& input : part.inputs) {
    if (input.complete()) continue;
    // The first bytes no part read: before the first span, between two, or after the last.
    uint64_t at = 0;
    for (const auto& span : input.spans) {
      if (span.range.begin > at) break;
      at = std::max(at, span.range.end);
    }
    uint64_t to = input.size;
    for (const auto& span : input.spans)
      if (span.range.begin > at) {
        to = span.range.begin;
        break;
      }
    return Status::Error(StatusCode::kFailedPrecondition,
                         "bytes " + Bytes(at, to) + " of " + input.path + " (" + std::to_string(input.size) +
                             " bytes) are in no part: merge the parts of all its ranges");
  }
  return Status::Ok();
}

void WriteRejectedLines(const Partial& part, std::ostream& out) {
  for (const auto& r : part.rejections) {
    const InputDigest& input = part.inputs[r.input];
    const FileSpan& span = input.spans[r.span];
    if (span.lines_before != kUnknownLines)
      out << kRejected << input.path << ":" << span.lines_before + r.line << ": " << r.why << '\n';
    else
      out << kRejected << input.path << " (bytes from " << span.first << "), line " << r.line << " of the range: "
          << r.why << '\n';
  }
  if (part.rejected_total > part.rejections.size())
    out << kRejected << (part.rejected_total - part.rejections.size()) << kMore << '\n';
}

}  // namespace openpal::engine
