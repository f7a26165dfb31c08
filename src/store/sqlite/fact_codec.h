// How a fact is bound to and read from an SQLite statement: the shared layout (store/fact_columns.h) on SQLite's API.
#pragma once

#include <string>

#include "core/interval.h"
#include "core/model.h"
#include "store/fact_columns.h"
#include "core/guid.h"
#include "store/sqlite/connection.h"

namespace openpal::sqlite {

// "INSERT INTO <table> (InsertColumns) VALUES (?, ...)" for BindFact.
const std::string& InsertSql(FactKind kind);

// Binds `value` valid over `valid` to a statement prepared from InsertSql(KindOf(value)).
void BindFact(Statement& stmt, const FactValue& value, const Interval& valid);

// Reads the current row of a statement selecting SelectColumns(kind) into a fact.
AnyFact ReadFact(const Statement& stmt, FactKind kind);

}  // namespace openpal::sqlite
