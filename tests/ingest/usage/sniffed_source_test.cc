// ByteSource::Sniffed, the reader of inputs that are not local files (blobs): it must give exactly the bytes the file
// reader gives for the same content — plain, gzip, several gzip members, trailing bytes — whatever the chunking, and
// fail on a truncated gzip naming the input and the line being read.
#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <random>

#include "ingest/usage/csv_reader.h"

namespace openpal::usage {
namespace {

// Bytes from memory, handed over a few at a time (as a network stream may).
class MemorySource : public ByteSource {
 public:
  MemorySource(std::string bytes, size_t step) : bytes_(std::move(bytes)), step_(step) {}
  Result<size_t> Read(char* buffer, size_t size) override {
    size_t n = std::min({size, step_, bytes_.size() - at_});
    std::memcpy(buffer, bytes_.data() + at_, n);
    at_ += n;
    return n;
  }
  uint64_t ConsumedBytes() const override { return at_; }
  uint64_t FileSize() const override { return bytes_.size(); }

 private:
  std::string bytes_;
  size_t step_, at_ = 0;
};

std::string Gzip(const std::string& text) {
  uLongf size = compressBound(text.size()) + 64;
  std::string out(size, '\0');
  z_stream zs{};
  deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  zs.avail_in = static_cast<uInt>(text.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

Result<std::string> Drain(ByteSource& source, size_t buffer_size) {
  std::string out;
  std::vector<char> buffer(buffer_size);
  for (;;) {
    auto n = source.Read(buffer.data(), buffer.size());
    if (!n.ok()) return n.status();
    if (*n == 0) return out;
    out.append(buffer.data(), *n);
  }
}

// What the file reader (zlib's gzread for gzip) makes of the same bytes.
std::string AsFileReads(const std::string& bytes) {
  std::string path = ::testing::TempDir() + "/sniffed_same.bin";
  std::ofstream(path, std::ios::binary) << bytes;
  auto source = ByteSource::Open(path);
  EXPECT_TRUE(source.ok());
  auto all = Drain(**source, 1 << 16);
  EXPECT_TRUE(all.ok()) << all.status().ToString();
  return all.ok() ? *all : "";
}

TEST(SniffedSource, GivesTheFileReadersBytesForPlainGzipMembersAndTrailingBytesWhateverTheChunking) {
  std::mt19937 rng(18);
  std::string text;
  for (int i = 0; i < 20000; ++i) text += "row," + std::to_string(rng()) + ",\"q\"\n";
  const std::string a = text.substr(0, text.size() / 3), b = text.substr(text.size() / 3);
  const std::vector<std::pair<std::string, std::string>> inputs = {
      {"plain", text},
      {"one gzip member", Gzip(text)},
      {"two gzip members", Gzip(a) + Gzip(b)},
      {"gzip then bytes that are no member", Gzip(text) + "garbage after the stream"},
      {"empty", ""},
      {"one byte", "x"},
  };
  for (const auto& [what, bytes] : inputs) {
    const std::string expected = AsFileReads(bytes);
    for (size_t step : {size_t{1} << 20, size_t{4096}, size_t{7}, size_t{1}}) {
      if (step == 1 && bytes.size() > 200000) continue;  // bounded time
      auto source = ByteSource::Sniffed(std::make_unique<MemorySource>(bytes, step), "mem://" + what);
      ASSERT_TRUE(source.ok()) << what;
      EXPECT_EQ((*source)->compressed(), bytes.size() > 2 && bytes[0] == '\x1f') << what;
      auto got = Drain(**source, step == 1 ? 3 : 65536);
      ASSERT_TRUE(got.ok()) << what << ": " << got.status().ToString();
      EXPECT_EQ(got->size(), expected.size()) << what << ", step " << step;
      EXPECT_TRUE(*got == expected) << what << ", step " << step;
    }
  }
}

TEST(SniffedSource, ATruncatedGzipIsAnErrorNamingTheInputAndTheLineBeingRead) {
  std::string text;
  for (int i = 0; i < 200000; ++i) text += "h," + std::to_string(i * 7919 % 100003) + "\n";
  const std::string gz = Gzip(text);
  auto source = ByteSource::Sniffed(std::make_unique<MemorySource>(gz.substr(0, gz.size() / 2), 65536),
                                    "https://acct.blob.core.windows.net/c/part_0_0001.csv.gz");
  ASSERT_TRUE(source.ok());
  CsvReader reader(std::move(source).value(), "https://acct.blob.core.windows.net/c/part_0_0001.csv.gz");
  CsvRecord record;
  Status error;
  uint64_t last_line = 0;
  for (;;) {
    auto got = reader.Next(record);
    if (!got.ok()) {
      error = got.status();
      break;
    }
    ASSERT_TRUE(*got) << "a truncated stream must not end quietly";
    last_line = record.line;
  }
  EXPECT_EQ(error.code(), StatusCode::kIoError);
  EXPECT_EQ(error.where(), "https://acct.blob.core.windows.net/c/part_0_0001.csv.gz");
  EXPECT_NE(error.message().find("truncated or corrupt gzip stream"), std::string::npos) << error.ToString();
  EXPECT_NE(error.message().find("line " + std::to_string(last_line + 1)), std::string::npos) << error.ToString();
}

TEST(SniffedSource, CorruptDeflateDataIsAnError) {
  std::string gz = Gzip(std::string(100000, 'a') + "\n");
  for (size_t i = 20; i < 40; ++i) gz[i] = static_cast<char>(gz[i] ^ 0x5a);
  auto source = ByteSource::Sniffed(std::make_unique<MemorySource>(gz, 4096), "mem://corrupt");
  ASSERT_TRUE(source.ok());
  auto got = Drain(**source, 4096);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().where(), "mem://corrupt");
}

}  // namespace
}  // namespace openpal::usage
