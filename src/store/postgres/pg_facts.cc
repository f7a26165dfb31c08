// Fact <-> PostgreSQL row: ColumnWriter and ColumnReader over libpq's text values. The mapping is fact_columns.cc's;
// booleans are PostgreSQL's `boolean` ("t"/"f").
#include "store/postgres/pg_facts.h"

#include <array>

namespace openpal::pg {
namespace {

class RowWriter final : public ColumnWriter {
 public:
  explicit RowWriter(RowValues& out) : out_(out) {}
  void Text(std::string_view s) override { out_.emplace_back(std::string(s)); }
  void Int(int64_t i) override { out_.emplace_back(std::to_string(i)); }
  void Bool(bool b) override { out_.emplace_back(b ? "t" : "f"); }
  void Null() override { out_.emplace_back(std::nullopt); }

 private:
  RowValues& out_;
};

class RowReader final : public ColumnReader {
 public:
  RowReader(const Rows& rows, int row) : rows_(rows), row_(row) {}
  bool IsNull(int c) const override { return rows_.IsNull(row_, c); }
  std::string Text(int c) const override { return rows_.Text(row_, c); }
  int64_t Int(int c) const override { return rows_.Int(row_, c); }
  bool Bool(int c) const override { return rows_.Bool(row_, c); }

 private:
  const Rows& rows_;
  int row_;
};

}  // namespace

const std::string& InsertSql(FactKind kind) {
  static const std::array<std::string, kFactKinds> kInsert = [] {
    std::array<std::string, kFactKinds> out;
    for (size_t i = 0; i < kFactKinds; ++i)
      out[i] = InsertStatement(static_cast<FactKind>(i), [](int p) { return "$" + std::to_string(p); }) +
               " RETURNING id";
    return out;
  }();
  return kInsert[static_cast<size_t>(kind)];
}

Status FactRow(const FactValue& value, const Interval& valid, RowValues& out) {
  out.clear();
  RowWriter w(out);
  WriteFactColumns(value, valid, w);
  for (const auto& field : out)
    if (field && field->find('\0') != std::string::npos)
      return Status::Error(StatusCode::kInvalidArgument,
                           "a text field holds a NUL byte, which a PostgreSQL store cannot keep: \"" +
                               field->substr(0, field->find('\0')) + "\\0...\"",
                           std::string(TableOf(KindOf(value))) + " " + FactKey(value));
  return Status::Ok();
}

AnyFact ReadFact(const Rows& rows, int row, FactKind kind) { return ReadFactColumns(RowReader(rows, row), kind); }

}  // namespace openpal::pg
