// FactWriter: the diff at the heart of import (docs/import.md "How a present file becomes history").
#include "ingest/fact_diff.h"

#include <algorithm>
#include <unordered_map>

namespace openpal::ingest {

Status FactWriter::Open(const FactValue& value, Timestamp from) {
  auto id = tx_.Insert(value, Interval{from, Timestamp::Max()});
  if (!id.ok()) return id.status();
  ++counts_[KindOf(value)].opened;
  ++changes_[FactTenant(value)];
  return Status::Ok();
}

Status FactWriter::Close(const AnyFact& fact, Timestamp at) {
  Status s = tx_.Close(KindOf(fact.value), fact.id, std::max(at, fact.valid.from));
  if (!s.ok()) return s;
  ++counts_[KindOf(fact.value)].closed;
  ++changes_[FactTenant(fact.value)];
  return Status::Ok();
}

Status FactWriter::Apply(FactKind kind, const std::vector<const AnyFact*>& open, std::vector<WantedFact> wanted,
                         Timestamp as_of, const std::function<bool(const FactValue&, const FactValue&)>& equal) {
  std::unordered_map<std::string, size_t> by_key;
  by_key.reserve(open.size());
  std::vector<char> accounted(open.size(), 0);
  for (size_t i = 0; i < open.size(); ++i) {
    auto [it, inserted] = by_key.emplace(FactKey(open[i]->value), i);
    // Two open facts with one key cannot both be right: the extra one is closed below as not wanted.
    (void)it;
    (void)inserted;
  }
  for (WantedFact& w : wanted) {
    auto it = by_key.find(FactKey(w.value));
    if (it == by_key.end() || accounted[it->second]) {
      if (w.end) continue;  // first seen ended: it never held, as far as openpal knows
      if (Status s = Open(w.value, w.start); !s.ok()) return s;
      continue;
    }
    accounted[it->second] = 1;
    const AnyFact& current = *open[it->second];
    if (w.end) {
      if (Status s = Close(current, *w.end); !s.ok()) return s;
      continue;
    }
    bool same = equal ? equal(current.value, w.value) : current.value == w.value;
    if (same) {
      ++counts_[kind].unchanged;
      continue;
    }
    Timestamp at = std::max(w.change_at, current.valid.from);
    if (Status s = Close(current, at); !s.ok()) return s;
    if (Status s = Open(w.value, at); !s.ok()) return s;
  }
  for (size_t i = 0; i < open.size(); ++i) {
    if (accounted[i]) continue;
    if (Status s = Close(*open[i], as_of); !s.ok()) return s;
  }
  return Status::Ok();
}

}  // namespace openpal::ingest
