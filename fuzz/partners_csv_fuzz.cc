// Fuzzes partners.csv parsing (ParsePartnersCsv, src/ingest/partners_csv.cc): any bytes give partners or an error.
#include <cstdint>
#include <string_view>

#include "fuzz_util.h"
#include "ingest/snapshot_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto partners = openpal::ingest::ParsePartnersCsv(text, "partners.csv");
  if (partners.ok()) {
    for (const auto& p : *partners)
      if (p.partner_id.empty()) openpal::fuzz::Violated("a partner without an ID");
  } else if (partners.status().ToString().empty()) {
    openpal::fuzz::Violated("an error without a message");
  }
  return 0;
}
