// The layout of the fact tables, shared by the SQLite and PostgreSQL stores: for each FactKind its table, its columns,
// and how a value is written to them and read back (one descriptor per kind, fact_columns.cc). Each backend adapts
// ColumnWriter and ColumnReader to its statements; the mapping itself lives only here. Schema: docs/store.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/interval.h"
#include "core/model.h"

namespace openpal {

// The table holding facts of `kind` ("principals", "role_assignments", ...).
const char* TableOf(FactKind kind);

// "id, tenant, fact_key, valid_from, valid_to, <the kind's own columns>": the columns ReadFactColumns reads.
const std::string& SelectColumns(FactKind kind);

// "tenant, fact_key, valid_from, valid_to, <the kind's own columns>": the columns WriteFactColumns writes, in order.
const std::string& InsertColumns(FactKind kind);

// "INSERT INTO <table> (InsertColumns) VALUES (<placeholder(1)>, ..., <placeholder(n)>)": each backend its own
// parameter syntax ("?", "$1").
std::string InsertStatement(FactKind kind, std::string (*placeholder)(int parameter));

// How many kinds of fact there are (FactKind's values are 0 .. kFactKinds - 1).
inline constexpr size_t kFactKinds = static_cast<size_t>(FactKind::kPartnerLink) + 1;

// Where WriteFactColumns puts a row's values, one call a column in InsertColumns order.
class ColumnWriter {
 public:
  virtual ~ColumnWriter() = default;
  virtual void Text(std::string_view s) = 0;
  virtual void Int(int64_t i) = 0;
  virtual void Bool(bool b) = 0;
  virtual void Null() = 0;
};

// Writes the row of `value` valid over `valid` (an open end, Timestamp::Max(), is NULL). IDs are lowercased, enums
// written by their stable names, scopes with their key and hash, as docs/store.md says.
void WriteFactColumns(const FactValue& value, const Interval& valid, ColumnWriter& out);

// One row of a result selecting SelectColumns(kind); columns are 0-based in that order.
class ColumnReader {
 public:
  virtual ~ColumnReader() = default;
  virtual bool IsNull(int column) const = 0;
  virtual std::string Text(int column) const = 0;
  virtual int64_t Int(int column) const = 0;
  virtual bool Bool(int column) const = 0;
};

// The fact in `row`. An enum name this binary does not know (a newer binary's value) reads as the type's catch-all
// member rather than failing; a NULL valid_to as Timestamp::Max().
AnyFact ReadFactColumns(const ColumnReader& row, FactKind kind);

// The lookup key of a scope as Scope::key() computes it for valid scopes: lowercase, trailing "/" dropped
// (the root stays "/"). Computed here rather than by parsing so a million-row import does not parse twice.
std::string ScopeKeyOf(std::string_view scope);

// The hash of a (tenant, scope key) pair (tenant "" for Lighthouse) stored in scope_hash: indexed up to SQLite schema
// version 3, still written so that every version's rows have one shape (sqlite/schema.cc, version 4).
int64_t ScopeHash(std::string_view tenant, std::string_view scope_key);

}  // namespace openpal
