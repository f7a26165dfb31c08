// Writing the attribution report, the unattributed groups and the reconciliation as CSV, JSON or a text table.
#pragma once

#include <ostream>
#include <string>

#include "engine/attribution.h"

namespace openpal::engine {

enum class OutputFormat { kCsv, kJson, kTable };

// The report (attribution.md "The report"): CSV columns
// partnerId,partnerName,customerTenantId,subscriptionId,month,currency,adminType,usageRows,totalCost,attributedCost.
void WriteReport(const AttributionResult& result, OutputFormat format, std::ostream& out);

// The unattributed groups: subscriptionId,month,currency,reason,usageRows,totalCost.
void WriteUnattributed(const AttributionResult& result, OutputFormat format, std::ostream& out);

// The reconciliation, for people: per currency, read = credited + not credited + rejected, and whether it balances.
void WriteReconciliation(const AttributionResult& result, std::ostream& out);
void WriteReconciliation(const CellTable& cells, std::ostream& out);

// A CSV field, quoted when it holds a comma, quote, CR or LF.
std::string CsvField(const std::string& value);

}  // namespace openpal::engine
