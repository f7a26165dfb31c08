// Family detection by header (the table in export_family.cc), and per-row validation into rows or rejections.
#include "ingest/usage/usage_reader.h"

#include "core/guid.h"
#include "core/quote.h"
#include "ingest/usage/fast_time.h"

namespace openpal::usage {
namespace {

std::string_view Trim(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t' || v.front() == '\r')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t' || v.back() == '\r')) v.remove_suffix(1);
  return v;
}

}  // namespace

const char* FamilyName(Family f) { return Describe(f).name; }

std::string_view CleanValue(std::string_view v) {
  v = Trim(v);
  if (v.size() == 4 && (v[0] | 0x20) == 'n' && (v[1] | 0x20) == 'u' && (v[2] | 0x20) == 'l' && (v[3] | 0x20) == 'l')
    return {};
  return v;
}

Result<std::unique_ptr<UsageReader>> UsageReader::Open(const std::string& path, Measure measure, InputStore* store) {
  auto source = [&]() -> Result<std::unique_ptr<ByteSource>> {
    if (!store || !store->Handles(path)) return ByteSource::Open(path);
    auto raw = store->OpenRaw(path);
    if (!raw.ok()) return raw.status();
    return ByteSource::Sniffed(std::move(raw).value(), path);
  }();
  if (!source.ok()) return source.status();
  bool compressed = (*source)->compressed();
  std::unique_ptr<UsageReader> reader(new UsageReader(CsvReader(std::move(source).value(), path), path));
  reader->compressed_ = compressed;
  CsvRecord header;
  for (;;) {
    auto got = reader->csv_.Next(header);
    if (!got.ok()) return got.status();
    if (!*got) return Status::Error(StatusCode::kCorruption, "empty file: expected a CSV header line", path);
    if (!header.blank) break;
  }
  reader->header_end_ = reader->csv_.ConsumedOffset();
  for (size_t i = 0; i < header.fields.size(); ++i) {
    std::string_view name = header.fields[i];
    if (i == 0 && name.size() >= 3 && name.substr(0, 3) == "\xEF\xBB\xBF") name.remove_prefix(3);
    reader->header_.push_back(AsciiLower(Trim(name)));
  }
  auto found = DetectFamily(reader->header_, measure, path + ":1");
  if (!found.ok()) return found.status();
  reader->family_ = found->family->family;
  Columns& c = reader->cols_;
  c.count = reader->header_.size();
  c.start = found->start;
  c.end = found->end;
  c.amount = found->amount;
  c.currency = found->currency;
  c.resource_id = found->resource_id;
  c.subscription = found->subscription;
  reader->SelectColumnsInUse();
  return reader;
}

Result<std::unique_ptr<UsageReader>> UsageReader::OpenRange(const std::string& path, Measure measure, uint64_t begin,
                                                            uint64_t end) {
  auto whole = Open(path, measure);
  if (!whole.ok()) return whole.status();
  return (*whole)->OpenPart(begin, end);
}

Result<std::unique_ptr<UsageReader>> UsageReader::OpenPart(uint64_t begin, uint64_t end) const {
  auto range = ByteSource::OpenRange(path_, begin, end);
  if (!range.ok()) return range.status();
  // Only files with LF (or CRLF) line ends are split (cr_line_ends()), at LF line breaks.
  std::unique_ptr<UsageReader> reader(
      new UsageReader(CsvReader(std::move(range).value(), path_, LineEnds::kLf), path_));
  reader->family_ = family_;
  reader->cols_ = cols_;
  reader->header_ = header_;
  reader->base_ = begin;
  reader->SelectColumnsInUse();
  return reader;
}

Result<std::unique_ptr<UsageReader>> UsageReader::OpenRecords(uint64_t begin, uint64_t stop) const {
  auto reader = OpenPart(begin, FileSize());
  if (!reader.ok()) return reader.status();
  (*reader)->stop_ = stop > begin ? stop - begin : 0;
  return reader;
}

void UsageReader::SelectColumnsInUse() {
  const Columns& c = cols_;
  csv_.SelectColumns({c.resource_id, c.subscription, c.start, c.end, c.amount, c.currency});
}

Result<UsageReader::Outcome> UsageReader::Read(UsageRow& row, RejectedRow& rejected) {
  for (;;) {
    if (csv_.ConsumedOffset() >= stop_) return Outcome::kEnd;  // a byte range's end (OpenRecords)
    auto got = csv_.Next(record_);
    if (!got.ok()) return got.status();
    if (!*got) return Outcome::kEnd;
    if (!record_.blank) break;
  }
  // Only the columns in use are cut out of the record (SelectColumnsInUse); `count` is its true field count.
  const auto& f = record_.fields;
  const size_t count = record_.count;
  auto field = [&](int index) -> std::string_view {
    return index >= 0 && static_cast<size_t>(index) < count ? CleanValue(f[static_cast<size_t>(index)])
                                                             : std::string_view{};
  };
  std::string why;
  std::string_view amount_text = field(cols_.amount);
  std::string_view currency = field(cols_.currency);
  bool too_large = false;
  std::optional<Money> amount = amount_text.empty() ? std::nullopt : ParseMoney(amount_text, &too_large);

  if (count != cols_.count) {
    why = "has " + std::to_string(count) + " fields, the header has " + std::to_string(cols_.count);
  } else {
    std::string_view start_text = field(cols_.start);
    if (family_ == Family::kFocus) {
      std::string_view end_text = field(cols_.end);
      auto start = start_text.empty() ? std::nullopt : ParseUsageTime(start_text);
      auto end = end_text.empty() ? std::nullopt : ParseUsageTime(end_text);
      if (start_text.empty()) {
        why = "ChargePeriodStart is missing or NULL";
      } else if (!start) {
        why = "ChargePeriodStart is not a real time: " + QuoteValue(start_text, '"');
      } else if (end_text.empty()) {
        why = "ChargePeriodEnd is missing or NULL";
      } else if (!end) {
        why = "ChargePeriodEnd is not a real time: " + QuoteValue(end_text, '"');
      } else if (end->at < start->at) {
        why = "ChargePeriodEnd is before ChargePeriodStart";
      } else {
        row.start = start->at;
        row.end = end->at;
      }
    } else {
      auto date = start_text.empty() ? std::nullopt : ParseUsageTime(start_text);
      if (start_text.empty()) {
        why = "Date is missing or NULL";
      } else if (!date) {
        why = "Date is not a real time: " + QuoteValue(start_text, '"');
      } else {
        // A Date row covers its UTC day, whether or not a time of day is written.
        row.start = StartOfDay(date->at);
        row.end = StartOfNextDay(date->at);
      }
    }
    if (why.empty()) {
      if (amount_text.empty())
        why = "the cost column is missing or NULL";
      else if (too_large)
        why = "the cost " + QuoteValue(amount_text, '"') +
              " is beyond 10^15 in its currency: openpal sums costs exactly and refuses amounts it cannot sum";
      else if (!amount)
        why = "the cost column is not a number: " + QuoteValue(amount_text, '"');
      else if (currency.empty())
        why = "the currency is missing";
    }
  }
  if (!why.empty()) {
    rejected.line = record_.line;
    rejected.why = std::move(why);
    rejected.has_cost = amount.has_value() && !currency.empty();
    rejected.amount = Money{};
    if (amount) rejected.amount = *amount;
    rejected.currency = rejected.has_cost ? std::string(currency) : std::string();
    return Outcome::kRejected;
  }
  row.amount = *amount;
  row.currency = currency;
  row.resource_id = field(cols_.resource_id);
  row.subscription = field(cols_.subscription);
  row.line = record_.line;
  return Outcome::kRow;
}

}  // namespace openpal::usage
