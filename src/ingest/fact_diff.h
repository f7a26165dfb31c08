// Applying one kind's complete truth to the store: diff the wanted facts against the open ones, by key and value.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/model.h"
#include "store/store.h"

namespace openpal::ingest {

// What a present file says about one fact.
struct WantedFact {
  FactValue value;
  Timestamp start;                 // where it starts if no fact with its key is open
  Timestamp change_at;             // where it replaces an open fact with the same key and another value
  std::optional<Timestamp> end;    // set: the thing ended then (deleted principal, Deleted link); nothing is opened
};

// Facts opened, closed and left unchanged, for one kind.
struct KindCounts {
  int64_t opened = 0;
  int64_t closed = 0;
  int64_t unchanged = 0;
};

// Writes the changes of one snapshot through an ImportTransaction and counts them, per kind and per tenant.
class FactWriter {
 public:
  explicit FactWriter(ImportTransaction& tx) : tx_(tx) {}

  // Opens a fact over [from, Max).
  Status Open(const FactValue& value, Timestamp from);
  // Closes the open fact `fact` at `at` (never before its start).
  Status Close(const AnyFact& fact, Timestamp at);

  // Makes `open` (the open facts of one kind in one file's reach) agree with `wanted` at `as_of`:
  // same key and equal value (per `equal`, default ==) = unchanged; same key, other value = close at change_at
  // and open the new value then; a wanted `end` closes the open fact; an open fact not wanted closes at as_of.
  Status Apply(FactKind kind, const std::vector<const AnyFact*>& open, std::vector<WantedFact> wanted,
               Timestamp as_of,
               const std::function<bool(const FactValue&, const FactValue&)>& equal = nullptr);

  const std::map<FactKind, KindCounts>& counts() const { return counts_; }
  // Changes (opened + closed) per tenant ("" = the partner directory).
  const std::map<TenantId, int64_t>& changes_by_tenant() const { return changes_; }

 private:
  ImportTransaction& tx_;
  std::map<FactKind, KindCounts> counts_;
  std::map<TenantId, int64_t> changes_;
};

}  // namespace openpal::ingest
