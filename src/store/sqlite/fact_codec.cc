// Fact <-> SQLite row: ColumnWriter and ColumnReader over a prepared statement. The mapping is fact_columns.cc's;
// booleans are stored as 0/1.
#include "store/sqlite/fact_codec.h"

#include <array>

namespace openpal::sqlite {
namespace {

// Binds each column to the next parameter, from 1.
class StatementWriter final : public ColumnWriter {
 public:
  explicit StatementWriter(Statement& st) : st_(st) {}
  void Text(std::string_view s) override { st_.BindText(++at_, s); }
  void Int(int64_t i) override { st_.BindInt(++at_, i); }
  void Bool(bool b) override { st_.BindInt(++at_, b ? 1 : 0); }
  void Null() override { st_.BindNull(++at_); }

 private:
  Statement& st_;
  int at_ = 0;
};

class StatementReader final : public ColumnReader {
 public:
  explicit StatementReader(const Statement& st) : st_(st) {}
  bool IsNull(int c) const override { return st_.IsNull(c); }
  std::string Text(int c) const override { return st_.Text(c); }
  int64_t Int(int c) const override { return st_.Int(c); }
  bool Bool(int c) const override { return st_.Int(c) != 0; }

 private:
  const Statement& st_;
};

}  // namespace

const std::string& InsertSql(FactKind kind) {
  static const std::array<std::string, kFactKinds> kInsert = [] {
    std::array<std::string, kFactKinds> out;
    for (size_t i = 0; i < kFactKinds; ++i)
      out[i] = InsertStatement(static_cast<FactKind>(i), [](int) -> std::string { return "?"; });
    return out;
  }();
  return kInsert[static_cast<size_t>(kind)];
}

void BindFact(Statement& st, const FactValue& value, const Interval& valid) {
  StatementWriter w(st);
  WriteFactColumns(value, valid, w);
}

AnyFact ReadFact(const Statement& st, FactKind kind) { return ReadFactColumns(StatementReader(st), kind); }

}  // namespace openpal::sqlite
