// partners.csv: the partner directory (spec "Files"), parsed by hand: it is small, and RFC 4180 is short.
#include <map>
#include <set>

#include "core/guid.h"
#include "core/quote.h"
#include "ingest/snapshot_reader.h"

namespace openpal::ingest {
namespace {

struct CsvRecord {
  std::vector<std::string> fields;
  size_t line = 0;  // where the record starts
};

// Splits `text` into records: fields separated by commas, "quoted" fields may hold commas, newlines and "" quotes.
Result<std::vector<CsvRecord>> SplitCsv(std::string_view text, const std::string& origin) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  std::vector<CsvRecord> records;
  CsvRecord current{{}, 1};
  std::string field;
  size_t line = 1;
  bool in_quotes = false, field_was_quoted = false, record_has_content = false;
  auto end_field = [&] {
    current.fields.push_back(std::move(field));
    field.clear();
    field_was_quoted = false;
  };
  auto end_record = [&] {
    end_field();
    bool blank = current.fields.size() == 1 && current.fields[0].empty() && !record_has_content;
    if (!blank) records.push_back(std::move(current));
    current = CsvRecord{{}, line};
    record_has_content = false;
  };
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_quotes) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          field += '"';
          ++i;
        } else {
          in_quotes = false;
        }
      } else {
        // Inside quotes a line break is data; it still counts as a line (a CR alone, as old Macs wrote, too).
        if (c == '\n' || (c == '\r' && (i + 1 == text.size() || text[i + 1] != '\n'))) ++line;
        field += c;
      }
      continue;
    }
    if (c == '"') {
      if (!field.empty() || field_was_quoted)
        return Status::Error(StatusCode::kCorruption, "a quote inside an unquoted field (quote the whole field and double the quote)",
                             origin + ":" + std::to_string(line));
      in_quotes = field_was_quoted = record_has_content = true;
    } else if (c == ',') {
      end_field();
      record_has_content = true;
    } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      // CRLF: the \n ends the record.
    } else if (c == '\n' || c == '\r') {  // LF, or CR alone (old Mac line ends)
      ++line;
      end_record();
    } else {
      if (field_was_quoted)
        return Status::Error(StatusCode::kCorruption, "text after a closing quote", origin + ":" + std::to_string(line));
      field += c;
      record_has_content = true;
    }
  }
  if (in_quotes) return Status::Error(StatusCode::kCorruption, "a quoted field is not closed", origin + ":" + std::to_string(current.line));
  if (!field.empty() || !current.fields.empty() || record_has_content) end_record();
  return records;
}

std::string Trim(std::string s) {
  size_t b = s.find_first_not_of(" \t");
  size_t e = s.find_last_not_of(" \t");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

bool AllDigits(const std::string& s) { return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos; }

}  // namespace

Result<std::vector<Partner>> ParsePartnersCsv(std::string_view text, const std::string& origin) {
  auto records = SplitCsv(text, origin);
  if (!records.ok()) return records.status();
  if (records->empty())
    return Status::Error(StatusCode::kCorruption, "empty file: expected the header partnerId,partnerName,level,globalPartnerId,state",
                         origin + ":1");
  static const std::vector<std::string> kRequired = {"partnerid", "partnername", "level", "globalpartnerid", "state"};
  std::map<std::string, size_t> column;
  const CsvRecord& header = records->front();
  for (size_t i = 0; i < header.fields.size(); ++i) column[AsciiLower(Trim(header.fields[i]))] = i;
  for (const std::string& name : kRequired)
    if (!column.count(name))
      return Status::Error(StatusCode::kCorruption,
                           "the header lacks column '" + name +
                               "' (expected partnerId,partnerName,level,globalPartnerId,state[,tenantId])",
                           origin + ":" + std::to_string(header.line));
  std::optional<size_t> tenant_column;
  if (column.count("tenantid")) tenant_column = column["tenantid"];

  std::vector<Partner> partners;
  std::map<std::string, size_t> seen;  // partner ID -> line
  for (size_t r = 1; r < records->size(); ++r) {
    const CsvRecord& rec = (*records)[r];
    std::string where = origin + ":" + std::to_string(rec.line);
    if (rec.fields.size() != header.fields.size())
      return Status::Error(StatusCode::kCorruption,
                           "expected " + std::to_string(header.fields.size()) + " fields as in the header, found " +
                               std::to_string(rec.fields.size()),
                           where);
    auto get = [&](const char* name) { return Trim(rec.fields[column[name]]); };
    Partner p;
    p.partner_id = get("partnerid");
    if (!AllDigits(p.partner_id))
      return Status::Error(StatusCode::kCorruption, "partnerId must be digits, not " + QuoteValue(p.partner_id), where + ": partnerId");
    p.partner_name = get("partnername");
    std::string level = AsciiLower(get("level"));
    if (level == "global") {
      p.level = PartnerLevel::kGlobal;
    } else if (level == "location") {
      p.level = PartnerLevel::kLocation;
    } else {
      return Status::Error(StatusCode::kCorruption, "level must be global or location, not " + QuoteValue(get("level")), where + ": level");
    }
    p.global_partner_id = get("globalpartnerid");
    if (p.level == PartnerLevel::kLocation && !AllDigits(p.global_partner_id))
      return Status::Error(StatusCode::kCorruption, "a location ID needs the digits of its global partner ID, not " +
                                           QuoteValue(p.global_partner_id),
                           where + ": globalPartnerId");
    if (p.level == PartnerLevel::kGlobal && !p.global_partner_id.empty() && p.global_partner_id != p.partner_id)
      return Status::Error(StatusCode::kCorruption, "a global partner ID belongs to no other global ID (leave globalPartnerId empty)",
                           where + ": globalPartnerId");
    if (p.level == PartnerLevel::kGlobal) p.global_partner_id.clear();
    std::string state = AsciiLower(get("state"));
    if (state == "active") {
      p.state = PartnerState::kActive;
    } else if (state == "deleted") {
      p.state = PartnerState::kDeleted;
    } else {
      return Status::Error(StatusCode::kCorruption, "state must be active or deleted, not " + QuoteValue(get("state")), where + ": state");
    }
    if (tenant_column) {
      std::string tenant = Trim(rec.fields[*tenant_column]);
      if (!tenant.empty()) {
        auto guid = NormalizeGuid(tenant);
        if (!guid) return Status::Error(StatusCode::kCorruption, "tenantId is not a GUID: " + QuoteValue(tenant), where + ": tenantId");
        p.tenant_id = *guid;
      }
    }
    auto [it, inserted] = seen.emplace(p.partner_id, rec.line);
    if (!inserted)
      return Status::Error(StatusCode::kCorruption,
                           "partner ID " + p.partner_id + " is listed twice (also at line " + std::to_string(it->second) +
                               ")",
                           where);
    partners.push_back(std::move(p));
  }
  return partners;
}

}  // namespace openpal::ingest
