// How each FactKind maps to its SQLite table: table name, columns, binding a value, reading a row back.
#pragma once

#include <string>
#include <string_view>

#include "core/guid.h"
#include "core/interval.h"
#include "core/model.h"
#include "store/sqlite/connection.h"

namespace openpal::sqlite {

// The table holding facts of `kind` ("principals", "role_assignments", ...).
const char* TableOf(FactKind kind);

// "id, tenant, fact_key, valid_from, valid_to, <the kind's own columns>": the column list ReadFact expects.
const std::string& SelectColumns(FactKind kind);

// "INSERT INTO <table> (tenant, fact_key, valid_from, valid_to, ...) VALUES (?, ...)" for BindFact.
const std::string& InsertSql(FactKind kind);

// Binds `value` valid over `valid` to a statement prepared from InsertSql(KindOf(value)).
void BindFact(Statement& stmt, const FactValue& value, const Interval& valid);

// Reads the current row of a statement selecting SelectColumns(kind) into a fact.
AnyFact ReadFact(const Statement& stmt, FactKind kind);

// The lookup key of a scope as Scope::key() computes it for valid scopes: lowercase, trailing "/" dropped
// (the root stays "/"). Computed here rather than by parsing so a million-row import does not parse twice.
std::string ScopeKeyOf(std::string_view scope);

// The hash of a (tenant, scope key) pair (tenant "" for Lighthouse) stored in scope_hash: indexed up to schema
// version 3, still written so that every version's rows have one shape (schema.cc, version 4).
int64_t ScopeHash(std::string_view tenant, std::string_view scope_key);

}  // namespace openpal::sqlite
