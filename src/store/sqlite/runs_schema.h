// The SQLite tables of saved attribution runs (schema version 2), insert-only like the history's logs.
#pragma once

#include <string>

namespace openpal::sqlite {

// The DDL of schema version 2: runs, run_files, run_report_rows, run_unattributed_rows, run_reconciliation,
// each refusing UPDATE and DELETE by trigger. Frozen once released (docs/reports.md).
std::string RunsSchemaV2();

}  // namespace openpal::sqlite
