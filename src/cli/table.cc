// The command line's result table: text fitted to the terminal, CSV, TSV, JSON.
#include "cli/table.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include <nlohmann/json.hpp>

namespace openpal::cli {
namespace {

constexpr const char* kBold = "\x1b[1m";
constexpr const char* kReset = "\x1b[0m";

// The first `width` characters of `text`, the last one replaced by "…" when something was cut.
std::string Cut(const std::string& text, size_t width) {
  if (DisplayWidth(text) <= width) return text;
  if (width == 0) return "";
  std::string out;
  size_t shown = 0;
  for (size_t i = 0; i < text.size();) {
    size_t len = 1;
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c >= 0xf0) len = 4; else if (c >= 0xe0) len = 3; else if (c >= 0xc0) len = 2;
    if (shown + 1 == width) break;
    out.append(text, i, len);
    ++shown;
    i += len;
  }
  return out + "…";
}

std::string Pad(const std::string& text, size_t width, bool right) {
  size_t w = DisplayWidth(text);
  std::string fill(width > w ? width - w : 0, ' ');
  return right ? fill + text : text + fill;
}

bool IsInteger(const std::string& s) {
  if (s.empty() || s.size() > 18) return false;
  size_t i = s[0] == '-' ? 1 : 0;
  if (i == s.size()) return false;
  return std::all_of(s.begin() + static_cast<std::ptrdiff_t>(i), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

std::optional<TableFormat> ParseTableFormat(std::string_view name) {
  if (name == "table") return TableFormat::kTable;
  if (name == "csv") return TableFormat::kCsv;
  if (name == "tsv") return TableFormat::kTsv;
  if (name == "json") return TableFormat::kJson;
  return std::nullopt;
}

size_t DisplayWidth(std::string_view text) {
  size_t n = 0;
  for (char c : text)
    if ((static_cast<unsigned char>(c) & 0xc0) != 0x80) ++n;  // count lead bytes only
  return n;
}

void Table::AddRow(std::vector<std::string> cells, std::vector<std::string> text_cells) {
  cells.resize(columns_.size());
  rows_.push_back(Row{std::move(cells), std::move(text_cells)});
}

void Table::AddTotal(std::vector<std::string> cells, std::vector<std::string> text_cells) {
  cells.resize(columns_.size());
  totals_.push_back(Row{std::move(cells), std::move(text_cells)});
}

void Table::Write(TableFormat format, const TextStyle& style, std::ostream& out) const {
  switch (format) {
    case TableFormat::kTable: WriteText(style, out); break;
    case TableFormat::kCsv: WriteDelimited(',', out); break;
    case TableFormat::kTsv: WriteDelimited('\t', out); break;
    case TableFormat::kJson: WriteJson(out); break;
  }
}

void Table::WriteText(const TextStyle& style, std::ostream& out) const {
  const size_t n = columns_.size();
  auto text_of = [](const Row& r, size_t c) -> const std::string& {
    return c < r.text.size() ? r.text[c] : r.cells[c];
  };
  std::vector<size_t> width(n);
  for (size_t c = 0; c < n; ++c) {
    width[c] = DisplayWidth(columns_[c].title);
    for (const auto* rows : {&rows_, &totals_})
      for (const Row& r : *rows) width[c] = std::max(width[c], DisplayWidth(text_of(r, c)));
  }
  // Two spaces between columns. Shrink the widest text column one character at a time until it fits.
  constexpr size_t kGap = 2, kMinWidth = 6;
  auto total = [&] {
    size_t t = n ? (n - 1) * kGap : 0;
    for (size_t w : width) t += w;
    return t;
  };
  // Names go first; identifiers (`keep`) only when no name can give more; numbers never.
  for (bool keep : {false, true}) {
    while (style.width > 0 && total() > static_cast<size_t>(style.width)) {
      size_t widest = n;
      for (size_t c = 0; c < n; ++c)
        if (!columns_[c].numeric && columns_[c].keep == keep && width[c] > kMinWidth &&
            (widest == n || width[c] > width[widest]))
          widest = c;
      if (widest == n) break;  // nothing left to shrink at this level
      --width[widest];
    }
  }
  auto line = [&](const std::vector<std::string>& cells, bool bold) {
    std::string s;
    for (size_t c = 0; c < n; ++c) {
      if (c) s += std::string(kGap, ' ');
      s += Pad(Cut(cells[c], width[c]), width[c], columns_[c].numeric);
    }
    while (!s.empty() && s.back() == ' ') s.pop_back();
    out << (bold && style.color ? kBold + s + kReset : s) << '\n';
  };
  std::vector<std::string> titles;
  for (const auto& c : columns_) titles.push_back(c.title);
  line(titles, true);
  std::string rule;
  for (size_t c = 0; c < n; ++c) {
    if (c) rule += std::string(kGap, ' ');
    for (size_t i = 0; i < width[c]; ++i) rule += "-";
  }
  out << rule << '\n';
  auto texts = [&](const Row& r) {
    std::vector<std::string> cells;
    for (size_t c = 0; c < n; ++c) cells.push_back(text_of(r, c));
    return cells;
  };
  for (const Row& r : rows_) line(texts(r), false);
  if (!totals_.empty()) {
    out << rule << '\n';
    for (const Row& r : totals_) line(texts(r), true);
  }
}

void Table::WriteDelimited(char separator, std::ostream& out) const {
  auto field = [separator](const std::string& v) {
    if (separator == '\t') {
      std::string s = v;
      for (char& c : s)
        if (c == '\t' || c == '\n' || c == '\r') c = ' ';
      return s;
    }
    if (v.find_first_of(",\"\r\n") == std::string::npos) return v;
    std::string s = "\"";
    for (char c : v) {
      if (c == '"') s += '"';
      s += c;
    }
    return s + "\"";
  };
  auto line = [&](const std::vector<std::string>& cells) {
    for (size_t c = 0; c < cells.size(); ++c) out << (c ? std::string(1, separator) : "") << field(cells[c]);
    out << '\n';
  };
  std::vector<std::string> keys;
  for (const auto& c : columns_) keys.push_back(c.key);
  line(keys);
  for (const Row& r : rows_) line(r.cells);
  for (const Row& r : totals_) line(r.cells);
}

void Table::WriteJson(std::ostream& out) const {
  auto objects = [&](const std::vector<Row>& rows) {
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    for (const Row& r : rows) {
      nlohmann::ordered_json o = nlohmann::ordered_json::object();
      for (size_t c = 0; c < columns_.size(); ++c) {
        if (columns_[c].numeric && IsInteger(r.cells[c])) o[columns_[c].key] = std::stoll(r.cells[c]);
        else o[columns_[c].key] = r.cells[c];
      }
      list.push_back(std::move(o));
    }
    return list;
  };
  nlohmann::ordered_json doc = {{"rows", objects(rows_)}, {"totals", objects(totals_)}};
  out << doc.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << '\n';
}

TextStyle StdoutStyle() {
  TextStyle style;
  bool tty = ::isatty(STDOUT_FILENO) == 1;
  if (tty) {
    winsize ws{};
    if (::ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) style.width = ws.ws_col;
  }
  if (style.width == 0) {
    const char* columns = std::getenv("COLUMNS");
    if (columns && *columns) style.width = std::max(0, std::atoi(columns));
  }
  const char* no_color = std::getenv("NO_COLOR");
  style.color = tty && !(no_color && *no_color);
  return style;
}

std::string FormatAmount(usage::Money amount, int decimals) {
  decimals = std::clamp(decimals, 0, usage::Money::kScaleDigits);
  __int128 scale = 1;
  for (int i = 0; i < usage::Money::kScaleDigits - decimals; ++i) scale *= 10;
  bool negative = amount.units < 0;
  __int128 units = negative ? -amount.units : amount.units;
  __int128 q = (units + scale / 2) / scale;  // half away from zero (on the magnitude)
  __int128 unit = 1;
  for (int i = 0; i < decimals; ++i) unit *= 10;
  __int128 whole = q / unit, frac = q % unit;
  std::string digits;
  do {
    digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(whole % 10)));
    whole /= 10;
  } while (whole > 0);
  std::string grouped;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) grouped += ',';
    grouped += digits[i];
  }
  std::string out = (negative && q != 0 ? "-" : "") + grouped;
  if (decimals > 0) {
    std::string f(static_cast<size_t>(decimals), '0');
    for (int i = decimals - 1; i >= 0; --i) {
      f[static_cast<size_t>(i)] = static_cast<char>('0' + static_cast<int>(frac % 10));
      frac /= 10;
    }
    out += "." + f;
  }
  return out;
}

}  // namespace openpal::cli
