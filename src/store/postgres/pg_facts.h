// How a fact is sent to and read from PostgreSQL: the shared layout (store/fact_columns.h) as libpq text values, for
// INSERT parameters and COPY rows alike. Table and column names are the SQLite store's: one layout, two engines.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/interval.h"
#include "core/model.h"
#include "store/fact_columns.h"
#include "store/postgres/pg_connection.h"

namespace openpal::pg {

// A row's values in InsertColumns(kind) order, as text; nullopt is NULL.
using RowValues = std::vector<std::optional<std::string>>;

// "INSERT INTO <table> (InsertColumns) VALUES ($1, ...) RETURNING id".
const std::string& InsertSql(FactKind kind);

// The row of `value` valid over `valid`. InvalidArgument when a text holds a NUL byte, which PostgreSQL's text
// cannot store (docs/store.md "PostgreSQL").
Status FactRow(const FactValue& value, const Interval& valid, RowValues& out);

// The fact in row `row` of a result selecting SelectColumns(kind).
AnyFact ReadFact(const Rows& rows, int row, FactKind kind);

}  // namespace openpal::pg
