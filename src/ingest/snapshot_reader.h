// Reads a snapshot folder (docs/import.md, docs/spec-snapshot-format.md) into a validated Snapshot.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/model.h"
#include "core/status.h"
#include "ingest/json_file.h"
#include "ingest/snapshot.h"

namespace openpal::ingest {

// Command-line values that win over snapshot.json.
struct ReadOptions {
  std::optional<Timestamp> as_of;
  std::optional<Timestamp> assume_since;
  ProgressFn progress;  // for large files (may be empty)
  // A partners.csv with a header and no rows closes every partner; it is refused unless this is set
  // (pal import --allow-empty-partners).
  bool allow_empty_partners = false;
};

// Reads and validates every file of the snapshot at `directory`. Errors name the file (relative to the
// folder), the line and JSON path, and what was expected; a snapshot without an asOf (file or flag),
// with an assumeSince not before asOf, or with neither tenants nor partners.csv is an error.
Result<Snapshot> ReadSnapshot(const std::string& directory, const ReadOptions& options);

// Parses partners.csv text (`origin` names it in errors as "origin:line"): the header
// partnerId,partnerName,level,globalPartnerId,state[,tenantId] (any column order, names case-insensitive),
// RFC 4180 quoting, CRLF, LF or CR line ends, an optional UTF-8 byte-order mark. A header without rows gives an
// empty list (ReadSnapshot refuses it unless ReadOptions::allow_empty_partners).
Result<std::vector<Partner>> ParsePartnersCsv(std::string_view text, const std::string& origin);

}  // namespace openpal::ingest
