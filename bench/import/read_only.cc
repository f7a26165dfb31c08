// Parse-only baseline for the import benchmark: reads and validates a snapshot (simdjson and field checks),
// without touching a store. Usage: import_read_only SNAPSHOT_DIR
#include <chrono>
#include <cstdio>

#include "ingest/snapshot_reader.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s SNAPSHOT_DIR\n", argv[0]);
    return 2;
  }
  auto start = std::chrono::steady_clock::now();
  auto snapshot = openpal::ingest::ReadSnapshot(argv[1], {});
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!snapshot.ok()) {
    std::fprintf(stderr, "error: %s\n", snapshot.status().ToString().c_str());
    return 1;
  }
  size_t assignments = 0, principals = 0;
  for (const auto& t : snapshot->tenants) {
    if (t.role_assignments) assignments += t.role_assignments->size();
    for (const auto* list : {&t.users, &t.service_principals, &t.groups})
      if (*list) principals += (*list)->size();
  }
  std::printf("%.3f seconds: read %zu role assignments and %zu principals\n", seconds, assignments, principals);
  return 0;
}
