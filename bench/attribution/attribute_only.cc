// The attribute pipeline without the rest of `pal` (same library calls as `pal attribute`), so the engine can be
// measured even while other commands of the binary do not build:  attribution_bench_attribute DB OUT.csv FILE...
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>

#include "engine/directory_index.h"
#include "engine/report_writer.h"
#include "engine/run.h"

int main(int argc, char** argv) {
  using namespace openpal;
  if (argc < 4) {
    std::fprintf(stderr, "usage: %s DB OUT.csv FILE...\n", argv[0]);
    return 2;
  }
  auto t0 = std::chrono::steady_clock::now();
  auto store = OpenSqliteStore(argv[1]);
  if (!store.ok()) return std::fprintf(stderr, "%s\n", store.status().ToString().c_str()), 1;
  auto index = engine::DirectoryIndex::Load(**store);
  if (!index.ok()) return std::fprintf(stderr, "%s\n", index.status().ToString().c_str()), 1;
  auto t1 = std::chrono::steady_clock::now();
  engine::AttributeOptions options;
  for (int i = 3; i < argc; ++i) options.files.push_back(argv[i]);
  options.skip_cleanup = true;
  auto result = engine::RunAttribution(**index, RolePolicy::All(), options);
  if (!result.ok()) return std::fprintf(stderr, "%s\n", result.status().ToString().c_str()), 1;
  std::ofstream out(argv[2], std::ios::binary);
  engine::WriteReport(*result, engine::OutputFormat::kCsv, out);
  auto t2 = std::chrono::steady_clock::now();
  std::fprintf(stderr, "directory %.2f s, usage %.2f s, %llu rows\n", std::chrono::duration<double>(t1 - t0).count(),
               std::chrono::duration<double>(t2 - t1).count(), static_cast<unsigned long long>(result->rows_read));
  (void)std::move(index).value().release();
  return 0;
}
