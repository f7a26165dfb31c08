// Report formats. JSON numbers are written as strings of the same decimal text as the CSV, so no precision is lost.
#include "engine/report_writer.h"

#include <algorithm>
#include <thread>
#include <nlohmann/json.hpp>

namespace openpal::engine {
namespace {

using usage::FormatMoney;

// Whether `value` needs quotes: one pass over its bytes (find_first_of calls memchr for every byte of the value).
bool NeedsQuotes(const std::string& value) {
  for (char c : value)
    if (c == ',' || c == '"' || c == '\r' || c == '\n') return true;
  return false;
}

void WriteTable(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows,
                std::ostream& out) {
  std::vector<size_t> width(header.size());
  for (size_t i = 0; i < header.size(); ++i) width[i] = header[i].size();
  for (const auto& row : rows)
    for (size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
  auto line = [&](const std::vector<std::string>& cells) {
    for (size_t i = 0; i < cells.size(); ++i) {
      out << cells[i];
      if (i + 1 < cells.size()) out << std::string(width[i] - cells[i].size() + 2, ' ');
    }
    out << '\n';
  };
  line(header);
  std::vector<std::string> rule;
  for (size_t w : width) rule.push_back(std::string(w, '-'));
  line(rule);
  for (const auto& row : rows) line(row);
}

// `value` appended to `out` as a CSV field: as is, or quoted with its quotes doubled when it needs quoting.
void AppendCsvField(const std::string& value, std::string& out) {
  if (!NeedsQuotes(value)) {
    out += value;
    return;
  }
  out.push_back('"');
  for (char c : value) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
}

}  // namespace

std::string CsvField(const std::string& value) {
  std::string out;
  AppendCsvField(value, out);
  return out;
}

namespace {

// Writes `count` rows under `header` as a table, JSON (an array of objects keyed by the header, the column named
// `count_column` as a number) or CSV: the report and the unattributed groups differ only in their columns.
// `fill(r, cells)` puts row r's texts into `cells`. CSV is streamed through chunk buffers (a report has hundreds of
// thousands of rows: a vector of string vectors took most of a second); the table needs every row for its widths.
template <typename Fill>
void WriteRecords(const std::vector<std::string>& header, size_t count, Fill fill, const std::string& count_column,
                  OutputFormat format, std::ostream& out) {
  std::vector<std::string> cells(header.size());
  if (format == OutputFormat::kTable) {
    std::vector<std::vector<std::string>> rows;
    rows.reserve(count);
    for (size_t r = 0; r < count; ++r) {
      fill(r, cells);
      rows.push_back(cells);
    }
    return WriteTable(header, rows, out);
  }
  if (format == OutputFormat::kJson) {
    nlohmann::ordered_json array = nlohmann::ordered_json::array();
    for (size_t r = 0; r < count; ++r) {
      fill(r, cells);
      nlohmann::ordered_json o;
      for (size_t i = 0; i < header.size(); ++i) {
        if (header[i] == count_column) {
          o[header[i]] = std::stoull(cells[i]);
        } else {
          o[header[i]] = cells[i];
        }
      }
      array.push_back(std::move(o));
    }
    // Invalid UTF-8 from a cost export (a currency, a subscription) becomes U+FFFD, as in the other JSON writers.
    out << array.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << '\n';
    return;
  }
  std::string buffer;
  for (size_t i = 0; i < header.size(); ++i) (buffer += i ? "," : "") += header[i];
  buffer += '\n';
  out.write(buffer.data(), static_cast<std::streamsize>(buffer.size()));
  // Rows [from, to) as CSV text into `text`, with `row_cells` as scratch.
  auto format_rows = [&](size_t from, size_t to, std::vector<std::string>& row_cells, std::string& text) {
    text.clear();
    for (size_t r = from; r < to; ++r) {
      fill(r, row_cells);
      for (size_t i = 0; i < row_cells.size(); ++i) {
        if (i) text += ',';
        AppendCsvField(row_cells[i], text);
      }
      text += '\n';
    }
  };
  // Formatting (two amounts per row to decimal text) costs more than writing: large outputs are formatted in
  // rounds of two chunks at once, the second on another thread, and written in order. `fill` only reads.
  constexpr size_t kChunk = 32768;
  std::vector<std::string> other_cells(header.size());
  std::string other_text;
  for (size_t at = 0; at < count; at += 2 * kChunk) {
    const size_t middle = std::min(count, at + kChunk), stop = std::min(count, at + 2 * kChunk);
    std::thread other;
    if (middle < stop) other = std::thread([&] { format_rows(middle, stop, other_cells, other_text); });
    format_rows(at, middle, cells, buffer);
    if (other.joinable()) other.join();
    out.write(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    if (middle < stop) out.write(other_text.data(), static_cast<std::streamsize>(other_text.size()));
  }
}

}  // namespace

void WriteReport(const AttributionResult& result, OutputFormat format, std::ostream& out) {
  const std::vector<std::string> header = {"partnerId", "partnerName", "customerTenantId", "subscriptionId", "month",
                                           "currency",  "adminType",   "usageRows",        "totalCost",      "attributedCost"};
  auto fill = [&result](size_t i, std::vector<std::string>& c) {
    const ReportRow& r = result.report[i];
    c[0] = r.partner_id, c[1] = r.partner_name, c[2] = r.customer_tenant_id, c[3] = r.subscription_id;
    c[4] = r.month, c[5] = r.currency, c[6] = r.admin_type, c[7] = std::to_string(r.usage_rows);
    c[8] = FormatMoney(r.total_cost), c[9] = FormatMoney(r.attributed_cost);
  };
  WriteRecords(header, result.report.size(), fill, "usageRows", format, out);
}

void WriteUnattributed(const AttributionResult& result, OutputFormat format, std::ostream& out) {
  const std::vector<std::string> header = {"subscriptionId", "month", "currency", "reason", "usageRows", "totalCost"};
  auto fill = [&result](size_t i, std::vector<std::string>& c) {
    const UnattributedRow& r = result.unattributed[i];
    c[0] = r.subscription_id, c[1] = r.month, c[2] = r.currency, c[3] = r.reason;
    c[4] = std::to_string(r.usage_rows), c[5] = FormatMoney(r.total_cost);
  };
  WriteRecords(header, result.unattributed.size(), fill, "usageRows", format, out);
}

namespace {

void WriteTotals(uint64_t rows_read, uint64_t rows_rejected_without_cost,
                 const std::vector<CurrencyReconciliation>& reconciliation, std::ostream& out) {
  out << "reconciliation: " << rows_read << " rows read";
  if (rows_rejected_without_cost)
    out << " (" << rows_rejected_without_cost << " rejected rows without a readable cost)";
  out << '\n';
  for (const auto& c : reconciliation) {
    out << "  " << c.currency << ": read " << FormatMoney(c.read) << " = credited " << FormatMoney(c.credited) << " ("
        << c.rows_credited << " rows) + not credited " << FormatMoney(c.not_credited) << " (" << c.rows_not_credited
        << " rows) + rejected " << FormatMoney(c.rejected) << " (" << c.rows_rejected << " rows) "
        << (c.balances() ? "[balances]" : "[DOES NOT BALANCE]") << "; attributed (influence, may exceed cost) "
        << FormatMoney(c.attributed) << '\n';
  }
}

}  // namespace

void WriteReconciliation(const AttributionResult& result, std::ostream& out) {
  WriteTotals(result.rows_read, result.rows_rejected_without_cost, result.reconciliation, out);
}

void WriteReconciliation(const CellTable& cells, std::ostream& out) {
  WriteTotals(cells.rows_read, cells.rows_rejected_without_cost, cells.reconciliation, out);
}

}  // namespace openpal::engine
