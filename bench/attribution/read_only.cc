// Reading speed of the usage reader alone (CSV scan, times, money), to separate it from crediting:
//   attribution_bench_read FILE...
#include <chrono>
#include <cstdio>

#include "ingest/usage/usage_reader.h"

int main(int argc, char** argv) {
  using namespace openpal::usage;
  auto start = std::chrono::steady_clock::now();
  unsigned long long rows = 0, rejected_rows = 0, bytes = 0;
  Money total;
  for (int i = 1; i < argc; ++i) {
    auto reader = UsageReader::Open(argv[i], Measure::kEffective);
    if (!reader.ok()) {
      std::fprintf(stderr, "%s\n", reader.status().ToString().c_str());
      return 1;
    }
    UsageRow row;
    RejectedRow rejected;
    for (;;) {
      auto got = (*reader)->Read(row, rejected);
      if (!got.ok()) {
        std::fprintf(stderr, "%s\n", got.status().ToString().c_str());
        return 1;
      }
      if (*got == UsageReader::Outcome::kEnd) break;
      if (*got == UsageReader::Outcome::kRow) {
        ++rows;
        total += row.amount;
      } else {
        ++rejected_rows;
      }
    }
    bytes += (*reader)->FileSize();
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%llu rows %llu rejected %.3f s %.0f rows/s %.1f MB/s total %s\n", rows, rejected_rows, seconds,
              rows / seconds, bytes / seconds / 1e6, FormatMoney(total).c_str());
  return 0;
}
