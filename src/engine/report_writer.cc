// Report formats. JSON numbers are written as strings of the same decimal text as the CSV, so no precision is lost.
#include "engine/report_writer.h"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace openpal::engine {
namespace {

using usage::FormatMoney;

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

}  // namespace

std::string CsvField(const std::string& value) {
  if (value.find_first_of(",\"\r\n") == std::string::npos) return value;
  std::string out = "\"";
  for (char c : value) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

namespace {

// Writes `rows` under `header` as a table, JSON (an array of objects keyed by the header, the column named
// `count_column` as a number) or CSV: the report and the unattributed groups differ only in their columns.
void WriteRecords(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows,
                  const std::string& count_column, OutputFormat format, std::ostream& out) {
  if (format == OutputFormat::kTable) return WriteTable(header, rows, out);
  if (format == OutputFormat::kJson) {
    nlohmann::ordered_json array = nlohmann::ordered_json::array();
    for (const auto& row : rows) {
      nlohmann::ordered_json o;
      for (size_t i = 0; i < header.size(); ++i) {
        if (header[i] == count_column) {
          o[header[i]] = std::stoull(row[i]);
        } else {
          o[header[i]] = row[i];
        }
      }
      array.push_back(std::move(o));
    }
    out << array.dump(2) << '\n';
    return;
  }
  for (size_t i = 0; i < header.size(); ++i) out << (i ? "," : "") << header[i];
  out << '\n';
  for (const auto& row : rows) {
    for (size_t i = 0; i < row.size(); ++i) out << (i ? "," : "") << CsvField(row[i]);
    out << '\n';
  }
}

}  // namespace

void WriteReport(const AttributionResult& result, OutputFormat format, std::ostream& out) {
  const std::vector<std::string> header = {"partnerId", "partnerName", "customerTenantId", "subscriptionId", "month",
                                           "currency",  "adminType",   "usageRows",        "totalCost",      "attributedCost"};
  std::vector<std::vector<std::string>> rows;
  rows.reserve(result.report.size());
  for (const auto& r : result.report)
    rows.push_back({r.partner_id, r.partner_name, r.customer_tenant_id, r.subscription_id, r.month, r.currency,
                    r.admin_type, std::to_string(r.usage_rows), FormatMoney(r.total_cost), FormatMoney(r.attributed_cost)});
  WriteRecords(header, rows, "usageRows", format, out);
}

void WriteUnattributed(const AttributionResult& result, OutputFormat format, std::ostream& out) {
  const std::vector<std::string> header = {"subscriptionId", "month", "currency", "reason", "usageRows", "totalCost"};
  std::vector<std::vector<std::string>> rows;
  rows.reserve(result.unattributed.size());
  for (const auto& r : result.unattributed)
    rows.push_back({r.subscription_id, r.month, r.currency, r.reason, std::to_string(r.usage_rows),
                    FormatMoney(r.total_cost)});
  WriteRecords(header, rows, "usageRows", format, out);
}

void WriteReconciliation(const AttributionResult& result, std::ostream& out) {
  out << "reconciliation: " << result.rows_read << " rows read";
  if (result.rows_rejected_without_cost)
    out << " (" << result.rows_rejected_without_cost << " rejected rows without a readable cost)";
  out << '\n';
  for (const auto& c : result.reconciliation) {
    out << "  " << c.currency << ": read " << FormatMoney(c.read) << " = credited " << FormatMoney(c.credited) << " ("
        << c.rows_credited << " rows) + not credited " << FormatMoney(c.not_credited) << " (" << c.rows_not_credited
        << " rows) + rejected " << FormatMoney(c.rejected) << " (" << c.rows_rejected << " rows) "
        << (c.balances() ? "[balances]" : "[DOES NOT BALANCE]") << "; attributed (influence, may exceed cost) "
        << FormatMoney(c.attributed) << '\n';
  }
}

}  // namespace openpal::engine
