// Importing a read Snapshot into the store's history in one transaction (`pal import`); see docs/import.md.
#pragma once

#include <map>
#include <string>

#include "core/model.h"
#include "ingest/fact_diff.h"
#include "ingest/snapshot.h"
#include "store/store.h"

namespace openpal::ingest {

// What an import did.
struct ImportSummary {
  std::string directory;
  Timestamp as_of;
  size_t tenants = 0;
  bool partners = false;                    // partners.csv was present
  bool committed = false;                   // false when the snapshot changed nothing (a repeat): nothing written
  std::map<FactKind, KindCounts> by_kind;

  int64_t opened() const;
  int64_t closed() const;
  // A table for people: one line per kind with opened / closed / unchanged, then the totals.
  std::string ToText() const;
};

// Applies `snapshot` to `store` as one transaction, following the history rules (spec "History"): present files
// are the complete truth of their kind, absent ones change nothing. Refuses (error, store unchanged) a snapshot
// older than the newest imported for any tenant it contains (or for partners.csv), and one with the same asOf
// that would change anything. A snapshot that changes nothing is not written again.
Result<ImportSummary> ImportSnapshot(Store& store, const Snapshot& snapshot);

}  // namespace openpal::ingest
