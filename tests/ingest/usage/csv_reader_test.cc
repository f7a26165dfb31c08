// The CSV reader: quoting, embedded line breaks, CRLF, physical line numbers, long records, and random garbage.
#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <random>

#include "ingest/usage/csv_reader.h"

namespace openpal::usage {
namespace {

std::string TempFile(const std::string& name, const std::string& content) {
  std::string path = ::testing::TempDir() + "/" + name;
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

// Every record; with `columns`, through CsvReader::SelectColumns (then only those fields below `count` are kept,
// the others left empty).
std::vector<CsvRecord> ReadAll(const std::string& path, const std::vector<int>& columns = {}) {
  auto source = ByteSource::Open(path);
  EXPECT_TRUE(source.ok()) << source.status().ToString();
  CsvReader reader(std::move(source).value(), path);
  reader.SelectColumns(columns);
  std::vector<CsvRecord> out;
  CsvRecord r;
  for (;;) {
    auto got = reader.Next(r);
    EXPECT_TRUE(got.ok());
    if (!got.ok() || !*got) break;
    CsvRecord copy;
    copy.line = r.line;
    copy.blank = r.blank;
    copy.count = r.count;
    out.push_back(copy);
    if (columns.empty()) EXPECT_EQ(r.count, r.fields.size());
    // Own the text: views die at the next call.
    static std::vector<std::unique_ptr<std::string>> keep;
    for (size_t i = 0; i < r.count; ++i) {
      const bool kept = columns.empty() || std::find(columns.begin(), columns.end(), static_cast<int>(i)) != columns.end();
      keep.push_back(std::make_unique<std::string>(kept ? r.fields[i] : std::string_view()));
      out.back().fields.emplace_back(*keep.back());
    }
  }
  return out;
}

TEST(CsvReader, QuotedFieldsHoldCommasQuotesAndLineBreaksAndLinesAreCountedPhysically) {
  auto path = TempFile("q.csv", "a,b,c\r\n\"x,1\",\"say \"\"hi\"\"\",\"two\nlines\"\r\n\n3,,\"\"\nlast,row,end");
  auto records = ReadAll(path);
  ASSERT_EQ(records.size(), 5u);
  EXPECT_EQ(records[0].fields, (std::vector<std::string_view>{"a", "b", "c"}));
  EXPECT_EQ(records[1].fields, (std::vector<std::string_view>{"x,1", "say \"hi\"", "two\nlines"}));
  EXPECT_EQ(records[1].line, 2u);
  EXPECT_TRUE(records[2].blank);
  EXPECT_EQ(records[2].line, 4u);
  EXPECT_EQ(records[3].fields, (std::vector<std::string_view>{"3", "", ""}));
  EXPECT_EQ(records[3].line, 5u);
  EXPECT_EQ(records[4].fields, (std::vector<std::string_view>{"last", "row", "end"}));
  EXPECT_EQ(records[4].line, 6u);
}

TEST(CsvReader, RecordsLongerThanTheBufferAndGzipInputAreRead) {
  std::string big(3 << 20, 'x');
  std::string content = "h1,h2\n\"" + big + "\",2\n";
  auto records = ReadAll(TempFile("big.csv", content));
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[1].fields[0].size(), big.size());
  // The same bytes gzip-compressed, under a name that does not say so.
  std::string gz_path = ::testing::TempDir() + "/big.data";
  gzFile gz = gzopen(gz_path.c_str(), "wb");
  gzwrite(gz, content.data(), static_cast<unsigned>(content.size()));
  gzclose(gz);
  auto gz_records = ReadAll(gz_path);
  ASSERT_EQ(gz_records.size(), 2u);
  EXPECT_EQ(gz_records[1].fields[1], "2");
}

TEST(CsvReader, TruncatedGzipIsAnErrorNamingTheFile) {
  std::string content(100000, 'a');
  std::string gz_path = ::testing::TempDir() + "/trunc.csv.gz";
  gzFile gz = gzopen(gz_path.c_str(), "wb");
  for (int i = 0; i < 50; ++i) gzwrite(gz, content.data(), static_cast<unsigned>(content.size()));
  gzclose(gz);
  std::ifstream in(gz_path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), {});
  std::string cut = TempFile("trunc2.csv.gz", bytes.substr(0, bytes.size() / 2));
  auto source = ByteSource::Open(cut);
  ASSERT_TRUE(source.ok());
  CsvReader reader(std::move(source).value(), cut);
  CsvRecord r;
  Status error;
  for (int i = 0; i < 100000; ++i) {
    auto got = reader.Next(r);
    if (!got.ok()) {
      error = got.status();
      break;
    }
    if (!*got) break;
  }
  EXPECT_FALSE(error.ok());
  EXPECT_NE(error.ToString().find("trunc2.csv.gz"), std::string::npos);
}

TEST(CsvReader, SurvivesRandomGarbageWithinBoundedTime) {
  std::mt19937 rng(42);
  const char alphabet[] = {'a', ',', '"', '\n', '\r', '\0', '\xff', ' ', '1'};
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  for (int round = 0; round < 300 && std::chrono::steady_clock::now() < deadline; ++round) {
    std::string content;
    size_t n = rng() % 5000;
    for (size_t i = 0; i < n; ++i) content.push_back(alphabet[rng() % sizeof alphabet]);
    auto records = ReadAll(TempFile("garbage.csv", content));
    // A file whose first line break is a lone CR has CR line ends (issue 12): CRs count as line breaks too.
    size_t newlines = std::count(content.begin(), content.end(), '\n') + std::count(content.begin(), content.end(), '\r');
    EXPECT_LE(records.size(), newlines + 1);
    for (size_t i = 1; i < records.size(); ++i) EXPECT_GT(records[i].line, records[i - 1].line);
  }
}

// Random well-formed CSV (fields with commas, quotes, CR, LF; quoted or not; stray quotes inside unquoted fields;
// LF or CRLF) reads back field for field with the right physical lines: the 16-bytes-at-a-time path for records
// without quotes and the general path for the rest must agree with what was written.
struct RandomCsv {
  std::string content;
  std::vector<std::vector<std::string>> expected;
  std::vector<uint64_t> lines;
};
// `blank_lines`: also empty lines between records (skipped as blank: kept in `expected` as no fields).
RandomCsv MakeRandomCsv(unsigned seed, bool blank_lines) {
  std::mt19937 rng(seed);
  const char plain[] = {'a', 'b', '1', '-', '/', ' ', '.'};
  RandomCsv out;
  std::string& content = out.content;
  auto& expected = out.expected;
  auto& lines = out.lines;
  uint64_t line = 1;
  for (int r = 0; r < 3000; ++r) {
    std::vector<std::string> fields(1 + rng() % 14);
    std::string text;
    uint64_t breaks = 0;
    for (size_t f = 0; f < fields.size(); ++f) {
      std::string& field = fields[f];
      const size_t length = rng() % 40;
      const int kind = static_cast<int>(rng() % 10);
      for (size_t i = 0; i < length; ++i) {
        if (kind == 0 && rng() % 8 == 0) {
          field.push_back(",\"\n\r"[rng() % 4]);
        } else {
          field.push_back(plain[rng() % sizeof plain]);
        }
      }
      if (kind == 1 && !field.empty()) field.insert(1 + rng() % field.size(), "\"");  // stray quote, not at the start
      if (f) text.push_back(',');
      const bool must_quote = field.find_first_of(",\"\n\r") != std::string::npos && kind != 1;
      if (must_quote || kind == 2) {
        text.push_back('"');
        for (char c : field) {
          if (c == '"') text.push_back('"');
          if (c == '\n') ++breaks;
          text.push_back(c);
        }
        text.push_back('"');
      } else {
        text += field;
      }
    }
    // A record of one empty field would be a blank line: not a row.
    if (fields.size() == 1 && fields[0].empty()) fields[0] = "x", text = "x";
    if (blank_lines && rng() % 8 == 0) {
      content += rng() % 2 ? "\r\n" : "\n";
      expected.emplace_back();
      lines.push_back(line++);
    }
    content += text;
    content += rng() % 2 ? "\r\n" : "\n";
    expected.push_back(fields);
    lines.push_back(line);
    line += breaks + 1;
  }
  return out;
}

TEST(CsvReader, RandomRecordsReadBackExactlyAcrossBothPaths) {
  RandomCsv csv = MakeRandomCsv(7, false);
  const std::string& content = csv.content;
  const auto& expected = csv.expected;
  const auto& lines = csv.lines;
  // Through the widest fast path this CPU has (AVX2 on CI's) and through the portable one.
  for (SplitPath path : {SplitPath::kWidest, SplitPath::kPortable}) {
    SCOPED_TRACE(path == SplitPath::kWidest ? "widest" : "portable");
    SetSplitPathForTesting(path);
    auto records = ReadAll(TempFile("random.csv", content));
    SetSplitPathForTesting(SplitPath::kWidest);
    ASSERT_EQ(records.size(), expected.size());
    for (size_t r = 0; r < records.size(); ++r) {
      ASSERT_EQ(records[r].line, lines[r]) << "record " << r;
      ASSERT_EQ(records[r].fields.size(), expected[r].size()) << "record " << r;
      for (size_t f = 0; f < expected[r].size(); ++f)
        ASSERT_EQ(records[r].fields[f], expected[r][f]) << "record " << r << " field " << f;
    }
  }
}

// With columns selected, a record's fields that nobody reads are counted, not cut out: the field count, the lines,
// blank lines and every selected field (quoted or not, first, last or past the record's end) must be as read whole.
TEST(CsvReader, SelectedColumnsReadBackExactlyAcrossBothPaths) {
  RandomCsv csv = MakeRandomCsv(12, true);  // a seed whose first line break ends a record (it decides CR-only files)
  const std::vector<std::vector<int>> selections = {{0}, {13}, {2, 4, 5, 6, 9, 13}, {1, 3}, {0, 1, 2}, {20}, {5, 5, 7}};
  for (SplitPath path : {SplitPath::kWidest, SplitPath::kPortable}) {
    SCOPED_TRACE(path == SplitPath::kWidest ? "widest" : "portable");
    SetSplitPathForTesting(path);
    for (const auto& columns : selections) {
      auto records = ReadAll(TempFile("selected.csv", csv.content), columns);
      size_t r = 0;
      for (size_t e = 0; e < csv.expected.size(); ++e) {
        const auto& want = csv.expected[e];
        ASSERT_LT(r, records.size());
        const CsvRecord& got = records[r++];
        ASSERT_EQ(got.line, csv.lines[e]) << "record " << e;
        if (want.empty()) {  // a blank line
          ASSERT_TRUE(got.blank) << "record " << e;
          continue;
        }
        ASSERT_FALSE(got.blank) << "record " << e;
        ASSERT_EQ(got.count, want.size()) << "record " << e;
        for (int c : columns)
          if (static_cast<size_t>(c) < want.size())
            ASSERT_EQ(got.fields[static_cast<size_t>(c)], want[static_cast<size_t>(c)]) << "record " << e << " field " << c;
      }
      ASSERT_EQ(r, records.size());
    }
    SetSplitPathForTesting(SplitPath::kWidest);
  }
}

}  // namespace
}  // namespace openpal::usage
