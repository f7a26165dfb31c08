// A result table for the command line: aligned text that fits the terminal, CSV, TSV or JSON, and the colour rules.
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "ingest/usage/money.h"

namespace openpal::cli {

enum class TableFormat { kTable, kCsv, kTsv, kJson };

// "table", "csv", "tsv" or "json"; nullopt for anything else.
std::optional<TableFormat> ParseTableFormat(std::string_view name);

struct TableColumn {
  std::string key;        // the CSV/TSV header and JSON member name (e.g. "totalCost")
  std::string title;      // the text table's header (e.g. "Total cost")
  bool numeric = false;   // right-aligned in text; a JSON number when the cell is an integer
  bool keep = false;      // an identifier: cut only when no other text column can give more room
};

// How the text table is drawn: `width` 0 = no limit; `color` adds bold headers and totals (ANSI).
struct TextStyle {
  int width = 0;
  bool color = false;
};

class Table {
 public:
  explicit Table(std::vector<TableColumn> columns) : columns_(std::move(columns)) {}

  // Adds a body row (one cell per column). `text_cells`, when given, replaces the cells in the text table only
  // (e.g. "1,234.56" there, "1234.5612" in CSV).
  void AddRow(std::vector<std::string> cells, std::vector<std::string> text_cells = {});
  // Adds a totals row: after a rule in text, an ordinary row in CSV/TSV, under "totals" in JSON.
  void AddTotal(std::vector<std::string> cells, std::vector<std::string> text_cells = {});

  // Writes the table. JSON is {"rows":[{key: cell...}], "totals":[...]}.
  void Write(TableFormat format, const TextStyle& style, std::ostream& out) const;

  // Aligned text. Text columns are shrunk, widest first, to no less than 6 characters (cut with "…") until the table
  // fits `style.width`: names before identifiers (`keep`); numbers are never cut.
  void WriteText(const TextStyle& style, std::ostream& out) const;
  // Delimited text: CSV quotes fields holding the separator, quotes or line breaks; TSV replaces tabs and line
  // breaks in a field with spaces (TSV has no quoting).
  void WriteDelimited(char separator, std::ostream& out) const;
  void WriteJson(std::ostream& out) const;

 private:
  struct Row {
    std::vector<std::string> cells, text;
  };
  std::vector<TableColumn> columns_;
  std::vector<Row> rows_, totals_;
};

// The terminal's style for standard output: width from the terminal (or $COLUMNS when stdout is not a TTY; else
// no limit); colour only when stdout is a TTY and NO_COLOR is unset or empty.
TextStyle StdoutStyle();

// An amount for people: rounded half away from zero to `decimals`, thousands separated: "1,234.56", "-0.50".
std::string FormatAmount(usage::Money amount, int decimals = 2);

// The number of characters (UTF-8 code points) `text` shows as.
size_t DisplayWidth(std::string_view text);

}  // namespace openpal::cli
