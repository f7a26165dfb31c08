// Crediting: each distinct resource is resolved once (scope, tenant segments, partners' qualifying sets); a row then
// costs a hash lookup to its profile's id, and later, credited in profile order with its neighbours, a few interval
// overlaps. Aggregation keys are small integers into string pools.
#include "engine/attribution.h"

#define XXH_INLINE_ALL  // header-only: the hash is inlined into the hot loop
#include <xxhash.h>

#include <algorithm>
#include <bit>
#include <random>
#include <thread>
#include <utility>

#include "core/guid.h"
#include "core/scope.h"
#include "core/time.h"
#include "engine/flat_map.h"
#include "engine/string_pool.h"

namespace openpal::engine {
namespace {

// YYYYMM of the UTC month containing t.
int MonthOf(Timestamp t) {
  int64_t days = t.micros >= 0 ? t.micros / 86400000000LL : -((-t.micros + 86400000000LL - 1) / 86400000000LL);
  const Civil date = CivilFromDays(days);
  return date.year * 100 + static_cast<int>(date.month);
}

std::string MonthText(int yyyymm) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d", yyyymm / 100, yyyymm % 100);
  return buf;
}

// FNV-1a over 32-bit words, mixed: the hash of a group's integer key.
uint64_t HashWords(std::initializer_list<uint32_t> words) {
  uint64_t h = 1469598103934665603ULL;
  for (uint32_t v : words) h = (h ^ v) * 1099511628211ULL;
  return h ^ (h >> 31);
}

struct ReportKey {
  int partner, tenant, subscription, month, currency, admin;
  friend bool operator==(const ReportKey&, const ReportKey&) = default;
  uint64_t Hash() const {
    return HashWords({static_cast<uint32_t>(partner), static_cast<uint32_t>(tenant), static_cast<uint32_t>(subscription),
                      static_cast<uint32_t>(month), static_cast<uint32_t>(currency), static_cast<uint32_t>(admin)});
  }
};
struct ReportCell {
  uint64_t rows = 0;
  Money total, attributed;
};

struct MissKey {
  int subscription, month, currency, reason;
  friend bool operator==(const MissKey&, const MissKey&) = default;
  uint64_t Hash() const {
    uint64_t h = ((static_cast<uint64_t>(subscription) * 1000003ULL + static_cast<uint64_t>(month)) * 1000003ULL +
                  static_cast<uint64_t>(currency)) * 31 + static_cast<uint64_t>(reason);
    h *= 0x9e3779b97f4a7c15ULL;
    return h ^ (h >> 29);
  }
};

// Microseconds of [start, end) covered by `n` sorted disjoint pairs at `pairs`.
int64_t OverlapPairs(const int64_t* pairs, int64_t n, int64_t start, int64_t end) {
  int64_t total = 0;
  for (int64_t k = 0; k < n; ++k) {
    int64_t from = pairs[2 * k], to = pairs[2 * k + 1];
    if (from >= end) break;
    if (to <= start) continue;
    total += std::min(to, end) - std::max(from, start);
  }
  return total;
}

bool PairsContain(const int64_t* pairs, int64_t n, int64_t t) {
  for (int64_t k = 0; k < n; ++k)
    if (pairs[2 * k] <= t && t < pairs[2 * k + 1]) return true;
  return false;
}

// TouchesPeriod over packed pairs: some instant of [start, end), or `start` for an empty period.
bool PairsTouch(const int64_t* pairs, int64_t n, int64_t start, int64_t end) {
  if (end <= start) return PairsContain(pairs, n, start);
  for (int64_t k = 0; k < n; ++k)
    if (pairs[2 * k] < end && start < pairs[2 * k + 1]) return true;
  return false;
}

// ReasonFor over a packed tenant section's unions (access, linked, enabled, partner_valid).
Reason PackedReason(const int64_t* unions, int64_t start, int64_t end) {
  for (Reason r : {Reason::kNoAccess, Reason::kNoActiveLink, Reason::kIdentityDisabled, Reason::kPartnerIdInvalid}) {
    if (!PairsTouch(unions + 1, unions[0], start, end)) return r;
    unions += 1 + 2 * unions[0];
  }
  return Reason::kRoleNotEligible;
}

// The identity of a ResourceId text on the hot path: XXH3-128 with a seed drawn once per process, so that IDs
// colliding on purpose cannot be written into a usage file (flat_map.h, FlatHashMap).
Hash128 ResourceHash(std::string_view text) {
  static const uint64_t seed = [] {
    std::random_device device;
    return (static_cast<uint64_t>(device()) << 32) ^ device();
  }();
  const XXH128_hash_t h = XXH3_128bits_withSeed(text.data(), text.size(), seed);
  return Hash128{h.low64, h.high64};
}

// A well-formed row resolved to its profile, waiting in the stage to be credited.
struct Staged {
  Money amount;
  int64_t start, end;
  uint32_t block;    // the profile's id
  int32_t currency;  // the attributor's currency id
};

// What an Attributor leaves on its slot for the next run on the same cache (ProfileCache::KeepMemos): the resources
// it resolved, and its report cells' and groups' keys with the currency ids in them, which the blocks' cell caches of
// this slot point into. The next run finds each resource and cell where this one left it, with the sums cleared.
struct SlotMemo {
  FlatHashMap<uint32_t> by_resource;
  FlatStringMap<uint32_t> by_subscription_column;
  FlatCellMap<ReportKey, ReportCell> report;
  FlatCellMap<MissKey, ReportCell> misses;
  StringPool currency_pool;
  std::vector<std::pair<std::string, int>> currencies;
};

}  // namespace

Reason ReasonFor(const TenantProfile& p, Timestamp start, Timestamp end) {
  if (!TouchesPeriod(p.access, start, end)) return Reason::kNoAccess;
  if (!TouchesPeriod(p.linked, start, end)) return Reason::kNoActiveLink;
  if (!TouchesPeriod(p.enabled, start, end)) return Reason::kIdentityDisabled;
  if (!TouchesPeriod(p.partner_valid, start, end)) return Reason::kPartnerIdInvalid;
  return Reason::kRoleNotEligible;
}


struct Attributor::Impl {
  std::shared_ptr<ProfileCache> cache;
  int slot;
  size_t stage_rows;
  StringPool currency_pool;  // currency ids are this attributor's own (the cache's pool holds the other names)
  // Raw ResourceId text -> its profile's id, or kNoResource when the ID names no subscription (the column decides).
  static constexpr uint32_t kNoResource = ProfileCache::kNoResource;
  FlatHashMap<uint32_t> by_resource;
  FlatStringMap<uint32_t> by_subscription_column;
  FlatCellMap<ReportKey, ReportCell> report;
  FlatCellMap<MissKey, ReportCell> misses;
  std::vector<std::pair<std::string, int>> currencies;  // few: a linear scan beats hashing
  std::vector<CurrencyReconciliation> totals;            // by currency id, via currency_slot
  std::vector<int> currency_slot;                        // currency id -> index in totals (-1 none)
  uint64_t rows_read = 0, rejected_without_cost = 0;
  // Rows resolved but not yet credited, and their positions in block-id order (see CreditStage).
  std::vector<Staged> stage;
  std::vector<uint32_t> order;  // the staged rows' positions in credit order
  uint32_t stage_max_block = 0;
  std::vector<uint32_t> bucket_starts;
  const bool keeps_memo;  // leaves its maps on the cache's slot when destroyed (SlotMemo)

  Impl(std::shared_ptr<ProfileCache> c, int s, size_t rows)
      : cache(std::move(c)), slot(s), stage_rows(rows), keeps_memo(cache->keeps_memos()) {
    if (!keeps_memo) return;
    auto memo = std::static_pointer_cast<SlotMemo>(std::exchange(cache->memo(slot), nullptr));
    if (!memo) return;
    by_resource = std::move(memo->by_resource);
    by_subscription_column = std::move(memo->by_subscription_column);
    report = std::move(memo->report);
    misses = std::move(memo->misses);
    currency_pool = std::move(memo->currency_pool);
    currencies = std::move(memo->currencies);
    report.ClearCells();  // a cell with no rows is not reported (FinishCells)
    misses.ClearCells();
  }
  ~Impl() {
    if (!keeps_memo) return;
    cache->memo(slot) = std::make_shared<SlotMemo>(SlotMemo{std::move(by_resource), std::move(by_subscription_column),
                                                            std::move(report), std::move(misses),
                                                            std::move(currency_pool), std::move(currencies)});
  }

  // The id of a currency, by a scan of the few seen so far.
  int CurrencyId(std::string_view text) {
    for (const auto& [name, id] : currencies)
      if (name == text) return id;
    int id = static_cast<int>(currency_pool.Intern(text));
    currencies.emplace_back(std::string(text), id);
    return id;
  }
  CurrencyReconciliation& Totals(int currency) {
    if (static_cast<size_t>(currency) >= currency_slot.size()) currency_slot.resize(static_cast<size_t>(currency) + 1, -1);
    int& at = currency_slot[static_cast<size_t>(currency)];
    if (at < 0) {
      at = static_cast<int>(totals.size());
      totals.emplace_back();
      totals.back().currency = currency_pool.Get(currency);
    }
    return totals[static_cast<size_t>(at)];
  }

  uint32_t FromSubscriptionColumn(std::string_view column) {
    if (const uint32_t* found = by_subscription_column.Find(column)) return *found;
    uint32_t id = ProfileCache::kNoScopeId;  // subscription -1: never written, it has no partners
    if (IsGuid(column)) {
      id = ProfileCache::IdOf(cache->For(Scope::ForSubscription(*NormalizeGuid(column)), slot));
    } else if (auto parsed = Scope::Parse(column); parsed.ok() && parsed->subscription_id()) {
      id = ProfileCache::IdOf(cache->For(Scope::ForSubscription(*parsed->subscription_id()), slot));
    }
    by_subscription_column.Insert(column, id);
    return id;
  }

  // The id of the profile that credits `row` (`hash` = ResourceHash(row.resource_id)).
  uint32_t Resolve(const usage::UsageRow& row, const Hash128& hash) {
    uint32_t id;
    if (const uint32_t* found = by_resource.Find(hash)) {
      id = *found;
    } else {
      id = cache->ForResourceId(row.resource_id, hash, slot);
      by_resource.Insert(hash, id);
    }
    // When the ResourceId names a subscription, the subscription column is ignored (attribution.md).
    return id != kNoResource ? id : FromSubscriptionColumn(row.subscription);
  }

  Staged Resolved(const usage::UsageRow& row, const Hash128& hash) {
    return Staged{row.amount, row.start.micros, row.end.micros, Resolve(row, hash), CurrencyId(row.currency)};
  }

  // The report cell index of (partner record, month, currency, admin): through the record's cell cache for this
  // thread, else the report map (and the cache learns it when it has room and the ids fit its 32-bit tag).
  uint32_t CellIndex(int64_t* ways, const ReportKey& key) {
    const int64_t month_index = static_cast<int64_t>(key.month / 100) * 12 + key.month % 100 - 1;
    const bool cacheable = key.month > 0 && month_index < (1 << 15) && key.currency >= 0 && key.currency < (1 << 8) &&
                           key.admin >= 0 && key.admin < (1 << 9);
    if (cacheable) {
      const uint64_t tag = static_cast<uint64_t>((month_index << 17) | (key.currency << 9) | key.admin);
      for (int64_t w = 0; w < profile::kCellWays; ++w) {
        const uint64_t way = static_cast<uint64_t>(ways[w]);
        if (way == 0) {
          uint32_t at = report.IndexOf(key);
          if (at < UINT32_MAX - 1) ways[w] = static_cast<int64_t>((tag << 32) | (static_cast<uint64_t>(at) + 1));
          return at;
        }
        if ((way >> 32) == tag) return static_cast<uint32_t>((way & 0xFFFFFFFF) - 1);
      }
    }
    return report.IndexOf(key);
  }

  // Starts loading a staged row's profile block (up to a bound): a row reads the block's header, its tenant section
  // and every partner record in it.
  void PrefetchBlock(uint32_t id) const {
    const int64_t* block = cache->Block(id);
    __builtin_prefetch(block);
    const int64_t lines = std::min<int64_t>((block[profile::kLength] + 7) / 8, 24);
    for (int64_t line = 1; line < lines; ++line) __builtin_prefetch(block + 8 * line);
  }

  // Credits one resolved row to the report cells, or files it under its first failing reason, and adds it to the
  // reconciliation; with `record` false only finds whether some partner is credited (Classify).
  std::optional<Reason> Credit(const Staged& row, bool record) {
    using namespace profile;
    int64_t* block = cache->Block(row.block);
    const int month = MonthOf(Timestamp{row.start});
    const int subscription =
        block[kSubscription] < 0 ? static_cast<int>(cache->empty_id()) : static_cast<int>(block[kSubscription]);
    const int64_t start = row.start, end = row.end;
    std::optional<Reason> reason;
    const int64_t* segment = nullptr;
    if (block[kSubscription] < 0) {
      reason = Reason::kNoScope;
    } else {
      segment = SegmentAt(block, start);
      if (!segment) reason = Reason::kUnknownSubscription;
    }
    CurrencyReconciliation* total = record ? &Totals(row.currency) : nullptr;
    if (segment) {
      const int64_t length = end - start;
      const int tenant = static_cast<int>(segment[kTenant]);
      bool credited = false;
      int64_t* p = block + segment[kPartners];
      int64_t* const stop = block + segment[kPartnersEnd];
      const int64_t cache_words = cache->slots() * kCellWays;
      while (p < stop) {
        const int partner = static_cast<int>(p[kPartner]);
        const int64_t n = p[kQualifyingCount];
        const int64_t* qualifying = p + kQualifying;
        const int64_t* roles = qualifying + 2 * n;
        int64_t* next = p + p[kNext];
        const int64_t* roles_end = CellCacheOf(p, cache_words);
        int64_t* ways = CellCacheOf(p, cache_words) + slot * kCellWays;
        p = next;
        Money credit;
        if (length <= 0) {
          if (!PairsContain(qualifying, n, start)) continue;
          credit = row.amount;
        } else {
          int64_t covered = OverlapPairs(qualifying, n, start, end);
          if (covered <= 0) continue;
          credit = usage::ProRata(row.amount, covered, length);
        }
        credited = true;
        if (!record) break;
        int admin = static_cast<int>(cache->empty_id());
        for (const int64_t* r = roles; r < roles_end; r += 2 + 2 * r[1]) {
          bool touches = length <= 0 ? PairsContain(r + 2, r[1], start) : OverlapPairs(r + 2, r[1], start, end) > 0;
          if (touches) {
            admin = static_cast<int>(r[0]);
            break;
          }
        }
        ReportCell& cell =
            report.At(CellIndex(ways, ReportKey{partner, tenant, subscription, month, row.currency, admin}));
        ++cell.rows;
        cell.total += row.amount;
        cell.attributed += credit;
        total->attributed += credit;
      }
      if (!credited) reason = PackedReason(block + segment[kUnions], start, end);
    }
    if (!record) return reason;
    ++rows_read;
    total->read += row.amount;
    if (reason) {
      ++total->rows_not_credited;
      total->not_credited += row.amount;
      ReportCell& miss = misses[MissKey{subscription, month, row.currency, static_cast<int>(*reason)}];
      ++miss.rows;
      miss.total += row.amount;
    } else {
      ++total->rows_credited;
      total->credited += row.amount;
    }
    return reason;
  }

  // Frees what only resolving and staging rows needs (per thread: the stage, 52 MiB, and the resource map, 24 MiB on
  // the 10M-row benchmark), so that naming the report does not come on top of it. Both are caches: a row added later
  // is resolved again and the stage grows again.
  void ReleaseStaging() {
    std::vector<Staged>().swap(stage);
    std::vector<uint32_t>().swap(order);
    std::vector<uint32_t>().swap(bucket_starts);
    if (keeps_memo) return;  // the maps are kept for the next run (SlotMemo)
    by_resource = FlatHashMap<uint32_t>();
    by_subscription_column = FlatStringMap<uint32_t>();
  }

  void Stage(const Staged& row) {
    stage.push_back(row);
    stage_max_block = std::max(stage_max_block, row.block);
    if (stage.size() >= stage_rows) CreditStage();
  }

  // Credits the staged rows in the order of their blocks' ids, grouped (one counting-sort pass) into at most 4096
  // runs of neighbouring ids. Ids are dense and blocks of neighbouring ids were built close together, so a run's
  // blocks and report cells stay in the core's caches while its rows are credited, instead of each row missing the
  // cache in tables of hundreds of MiB. Sums do not depend on the order rows are added in.
  void CreditStage() {
    constexpr int kBucketBits = 12;
    constexpr size_t kAhead = 8;
    if (!stage.empty()) {
      const int bits = std::bit_width(stage_max_block);
      const int shift = bits > kBucketBits ? bits - kBucketBits : 0;
      const size_t buckets = (stage_max_block >> shift) + 1;
      bucket_starts.assign(buckets + 1, 0);
      for (const Staged& row : stage) ++bucket_starts[(row.block >> shift) + 1];
      for (size_t b = 1; b <= buckets; ++b) bucket_starts[b] += bucket_starts[b - 1];
      // Positions, not rows, are sorted: 4 bytes a row instead of a second 48 MB copy of the stage.
      order.resize(stage.size());
      for (uint32_t i = 0; i < stage.size(); ++i) order[bucket_starts[stage[i].block >> shift]++] = i;
      const size_t n = order.size();
      for (size_t i = 0; i < std::min(kAhead, n); ++i) PrefetchBlock(stage[order[i]].block);
      for (size_t i = 0; i < n; ++i) {
        if (i + 2 * kAhead < n) __builtin_prefetch(&stage[order[i + 2 * kAhead]]);
        if (i + kAhead < n) {
          const uint32_t ahead = stage[order[i + kAhead]].block;
          if (ahead != stage[order[i + kAhead - 1]].block) PrefetchBlock(ahead);
        }
        Credit(stage[order[i]], true);
      }
    }
    stage.clear();
    stage_max_block = 0;
  }
};

Attributor::Attributor(const DirectoryView& index, RolePolicy policy)
    : impl_(std::make_unique<Impl>(std::make_shared<ProfileCache>(index, std::move(policy), 1), 0, kStageRows)) {}
Attributor::Attributor(std::shared_ptr<ProfileCache> cache, int slot, size_t stage_rows)
    : impl_(std::make_unique<Impl>(std::move(cache), slot, std::clamp<size_t>(stage_rows, 1, UINT32_MAX))) {}
Attributor::~Attributor() = default;

void Attributor::AddRow(const usage::UsageRow& row) {
  impl_->Credit(impl_->Resolved(row, ResourceHash(row.resource_id)), true);
}

void Attributor::AddRows(const usage::UsageRow* rows, size_t n) {
  // Resolving a row costs a lookup in a map far larger than the cache: the slots of the next kAhead rows are being
  // loaded while one is resolved. The resolved rows are credited later, in block order (CreditStage).
  constexpr size_t kAhead = 16;
  Hash128 hashes[kAhead];
  Impl& m = *impl_;
  for (size_t i = 0; i < std::min(kAhead, n); ++i) {
    hashes[i] = ResourceHash(rows[i].resource_id);
    m.by_resource.Prefetch(hashes[i]);
  }
  for (size_t i = 0; i < n; ++i) {
    const Hash128 hash = hashes[i % kAhead];
    if (i + kAhead < n) {
      hashes[i % kAhead] = ResourceHash(rows[i + kAhead].resource_id);
      m.by_resource.Prefetch(hashes[i % kAhead]);
    }
    m.Stage(m.Resolved(rows[i], hash));
  }
}

void Attributor::Flush() { impl_->CreditStage(); }

std::optional<Reason> Attributor::Classify(const usage::UsageRow& row) {
  return impl_->Credit(impl_->Resolved(row, ResourceHash(row.resource_id)), false);
}

void Attributor::AddRejected(const usage::RejectedRow& row) {
  ++impl_->rows_read;
  if (!row.has_cost) {
    ++impl_->rejected_without_cost;
    return;
  }
  auto& total = impl_->Totals(impl_->CurrencyId(row.currency));
  ++total.rows_rejected;
  total.read += row.amount;
  total.rejected += row.amount;
}

namespace {

void AddInto(CurrencyReconciliation& t, const CurrencyReconciliation& c) {
  t.rows_credited += c.rows_credited;
  t.rows_not_credited += c.rows_not_credited;
  t.rows_rejected += c.rows_rejected;
  t.read += c.read;
  t.credited += c.credited;
  t.not_credited += c.not_credited;
  t.rejected += c.rejected;
  t.attributed += c.attributed;
}

}  // namespace

void Attributor::Absorb(Attributor& other) {
  other.impl_->CreditStage();
  other.impl_->ReleaseStaging();
  Impl& m = *impl_;
  const Impl& o = *other.impl_;
  // Pool ids (partners, tenants, subscriptions, admin types) are the shared cache's; currencies are each one's own.
  std::vector<int> currency(o.currency_pool.size(), -1);
  for (const auto& [name, id] : o.currencies) currency[static_cast<size_t>(id)] = m.CurrencyId(name);
  // Report cells and not-credited groups alike: keys with the other's currency ids mapped to this one's.
  auto add_cells = [&currency](const auto& from, auto& into) {
    for (uint32_t at = 0; at < from.size(); ++at) {
      const ReportCell& cell = from.At(at);
      if (cell.rows == 0) continue;  // a kept key no row of this run reached (SlotMemo)
      auto key = from.KeyAt(at);
      key.currency = currency[static_cast<size_t>(key.currency)];
      ReportCell& to = into[key];
      to.rows += cell.rows;
      to.total += cell.total;
      to.attributed += cell.attributed;  // zero for not-credited groups
    }
  };
  add_cells(o.report, m.report);
  add_cells(o.misses, m.misses);
  for (const auto& total : o.totals) AddInto(m.Totals(m.CurrencyId(total.currency)), total);
  m.rows_read += o.rows_read;
  m.rejected_without_cost += o.rejected_without_cost;
}

AttributionResult Attributor::Finish() { return NameCells(FinishCells()); }

CellTable Attributor::FinishCells() {
  impl_->CreditStage();
  impl_->ReleaseStaging();
  const Impl& m = *impl_;
  const ProfileCache& cache = *m.cache;
  CellTable table;
  table.rows_read = m.rows_read;
  table.rows_rejected_without_cost = m.rejected_without_cost;
  table.distinct_scopes = cache.size();
  // Every text once, found through arrays by the ids the cells hold (no hashing per cell): pool texts (partners,
  // tenants, subscriptions, admin types) are distinct; the few others are looked up when first met.
  FlatStringMap<uint32_t> other_names;
  auto add = [&table](std::string_view text) {
    table.names.emplace_back(text);
    return static_cast<uint32_t>(table.names.size() - 1);
  };
  auto other = [&](std::string_view text) {
    if (const uint32_t* found = other_names.Find(text)) return *found;
    const uint32_t id = add(text);
    other_names.Insert(text, id);
    return id;
  };
  constexpr uint32_t kUnset = UINT32_MAX;
  std::vector<uint32_t> pool_name(cache.name_count(), kUnset), partner_name(cache.name_count(), kUnset);
  auto pool = [&](int id) {
    uint32_t& at = pool_name[static_cast<size_t>(id)];
    if (at == kUnset) at = add(cache.Name(id));
    return at;
  };
  std::vector<uint32_t> currency_name(m.currency_pool.size(), kUnset);
  auto currency = [&](int id) {
    uint32_t& at = currency_name[static_cast<size_t>(id)];
    if (at == kUnset) at = other(m.currency_pool.Get(id));
    return at;
  };
  std::vector<std::pair<int, uint32_t>> months;  // few: a scan
  auto month = [&](int yyyymm) {
    for (const auto& [value, id] : months)
      if (value == yyyymm) return id;
    months.emplace_back(yyyymm, other(MonthText(yyyymm)));
    return months.back().second;
  };
  table.cells.reserve(m.report.size());
  for (uint32_t i = 0; i < m.report.size(); ++i) {
    const ReportCell& cell = m.report.At(i);
    if (cell.rows == 0) continue;  // a kept key no row of this run reached (SlotMemo)
    const ReportKey& key = m.report.KeyAt(i);
    uint32_t& name = partner_name[static_cast<size_t>(key.partner)];
    if (name == kUnset) {
      const PartnerInfo* partner = cache.index().Partner(cache.Name(key.partner));
      name = other(partner ? std::string_view(partner->newest_name) : std::string_view());
    }
    table.cells.push_back(CellTable::Cell{pool(key.partner), name, pool(key.tenant), pool(key.subscription),
                                          month(key.month), currency(key.currency), pool(key.admin), cell.rows,
                                          cell.total, cell.attributed});
  }
  table.misses.reserve(m.misses.size());
  for (uint32_t i = 0; i < m.misses.size(); ++i) {
    const ReportCell& cell = m.misses.At(i);
    if (cell.rows == 0) continue;
    const MissKey& key = m.misses.KeyAt(i);
    table.misses.push_back(CellTable::Miss{pool(key.subscription), month(key.month), currency(key.currency),
                                           other(ReasonCode(static_cast<Reason>(key.reason))), cell.rows,
                                           cell.total});
  }
  table.reconciliation = m.totals;
  std::sort(table.reconciliation.begin(), table.reconciliation.end(),
            [](const auto& a, const auto& b) { return a.currency < b.currency; });
  return table;
}

AttributionResult NameCells(const CellTable& table) {
  AttributionResult result;
  result.rows_read = table.rows_read;
  result.rows_rejected_without_cost = table.rows_rejected_without_cost;
  result.distinct_scopes = table.distinct_scopes;
  // Sorted by integer ranks of the texts (equal texts share a rank, so rank order is text order), then turned into
  // text once: sorting 600,000 rows of string tuples took most of a second.
  const std::vector<std::string>& names = table.names;
  std::vector<uint32_t> rank(names.size());
  {
    std::vector<uint32_t> by_text(names.size());
    for (uint32_t i = 0; i < by_text.size(); ++i) by_text[i] = i;
    std::sort(by_text.begin(), by_text.end(), [&names](uint32_t a, uint32_t b) { return names[a] < names[b]; });
    for (uint32_t r = 0; r < by_text.size(); ++r)
      rank[by_text[r]] = r > 0 && names[by_text[r]] == names[by_text[r - 1]] ? rank[by_text[r - 1]] : r;
  }
  // Each cell's sort key packed into three words once, so the sort compares integers in place.
  struct SortKey {
    uint64_t a, b, c;
    uint32_t cell;
  };
  const auto& cells = table.cells;
  std::vector<SortKey> keys(cells.size());
  for (uint32_t i = 0; i < keys.size(); ++i) {
    const CellTable::Cell& k = cells[i];
    keys[i] = SortKey{(uint64_t{rank[k.partner]} << 32) | rank[k.tenant],
                      (uint64_t{rank[k.subscription]} << 32) | rank[k.month],
                      (uint64_t{rank[k.currency]} << 32) | rank[k.admin], i};
  }
  std::sort(keys.begin(), keys.end(),
            [](const SortKey& x, const SortKey& y) { return std::tie(x.a, x.b, x.c) < std::tie(y.a, y.b, y.c); });
  // Named in two halves at once (everything read here is read-only): 600,000 rows of seven strings.
  result.report.resize(keys.size());
  auto name_rows = [&](size_t from, size_t to) {
    for (size_t r = from; r < to; ++r) {
      const CellTable::Cell& cell = cells[keys[r].cell];
      ReportRow& row = result.report[r];
      row.partner_id = names[cell.partner];
      row.partner_name = names[cell.partner_name];
      row.customer_tenant_id = names[cell.tenant];
      row.subscription_id = names[cell.subscription];
      row.month = names[cell.month];
      row.currency = names[cell.currency];
      row.admin_type = names[cell.admin];
      row.usage_rows = cell.rows;
      row.total_cost = cell.total;
      row.attributed_cost = cell.attributed;
    }
  };
  if (keys.size() >= 65536) {
    std::thread other(name_rows, keys.size() / 2, keys.size());
    name_rows(0, keys.size() / 2);
    other.join();
  } else {
    name_rows(0, keys.size());
  }
  const auto& misses = table.misses;
  std::vector<uint32_t> miss_order(misses.size());
  for (uint32_t i = 0; i < miss_order.size(); ++i) miss_order[i] = i;
  auto miss_key = [&](uint32_t i) {
    const CellTable::Miss& k = misses[i];
    return std::make_tuple(rank[k.subscription], rank[k.month], rank[k.currency], rank[k.reason]);
  };
  std::sort(miss_order.begin(), miss_order.end(), [&](uint32_t a, uint32_t b) { return miss_key(a) < miss_key(b); });
  result.unattributed.reserve(miss_order.size());
  for (uint32_t i : miss_order) {
    const CellTable::Miss& miss = misses[i];
    result.unattributed.push_back(UnattributedRow{names[miss.subscription], names[miss.month], names[miss.currency],
                                                  names[miss.reason], miss.rows, miss.total});
  }
  result.reconciliation = table.reconciliation;
  std::sort(result.reconciliation.begin(), result.reconciliation.end(),
            [](const auto& a, const auto& b) { return a.currency < b.currency; });
  return result;
}

namespace {

// Texts interned into one table's names.
class NameIndex {
 public:
  explicit NameIndex(std::vector<std::string>& names) : names_(names) {}
  uint32_t Of(std::string_view text) {
    if (const uint32_t* found = ids_.Find(text)) return *found;
    names_.emplace_back(text);
    const auto id = static_cast<uint32_t>(names_.size() - 1);
    ids_.Insert(text, id);
    return id;
  }

 private:
  std::vector<std::string>& names_;
  FlatStringMap<uint32_t> ids_;
};

struct CellKey {
  uint32_t partner, tenant, subscription, month, currency, admin;
  friend bool operator==(const CellKey&, const CellKey&) = default;
  uint64_t Hash() const { return HashWords({partner, tenant, subscription, month, currency, admin}); }
};
struct CellSums {
  uint32_t partner_name = 0;
  uint64_t rows = 0;
  Money total, attributed;
};
struct MissGroup {
  uint32_t subscription, month, currency, reason;
  friend bool operator==(const MissGroup&, const MissGroup&) = default;
  uint64_t Hash() const { return HashWords({subscription, month, currency, reason}); }
};
struct MissSums {
  uint64_t rows = 0;
  Money total;
};

}  // namespace

CellTable CellsOf(const AttributionResult& result) {
  CellTable table;
  NameIndex names(table.names);
  table.rows_read = result.rows_read;
  table.rows_rejected_without_cost = result.rows_rejected_without_cost;
  table.distinct_scopes = result.distinct_scopes;
  for (const ReportRow& r : result.report)
    table.cells.push_back(CellTable::Cell{names.Of(r.partner_id), names.Of(r.partner_name),
                                          names.Of(r.customer_tenant_id), names.Of(r.subscription_id),
                                          names.Of(r.month), names.Of(r.currency), names.Of(r.admin_type),
                                          r.usage_rows, r.total_cost, r.attributed_cost});
  for (const UnattributedRow& u : result.unattributed)
    table.misses.push_back(CellTable::Miss{names.Of(u.subscription_id), names.Of(u.month), names.Of(u.currency),
                                           names.Of(u.reason), u.usage_rows, u.total_cost});
  table.reconciliation = result.reconciliation;
  return table;
}

// How far ahead of the last matched cell a merge looks for the next (cells one part has and the other has not).
constexpr uint32_t kMergeLookahead = 4;

struct CellMerger::Impl {
  CellTable merged;
  NameIndex names{merged.names};
  FlatCellMap<CellKey, CellSums> cells;
  FlatCellMap<MissGroup, MissSums> misses;
  bool sized = false;
};

CellMerger::CellMerger() : impl_(std::make_unique<Impl>()) {}
CellMerger::~CellMerger() = default;

void CellMerger::Reserve(size_t cells) {
  impl_->cells.Reserve(cells + cells / 4);
  impl_->sized = true;
}

void CellMerger::Add(CellTable part) {
  Impl& m = *impl_;
  if (!m.sized) Reserve(part.cells.size());  // parts of one run are of a size: the first says about how many
  m.merged.rows_read += part.rows_read;
  m.merged.rows_rejected_without_cost += part.rows_rejected_without_cost;
  m.merged.distinct_scopes = std::max(m.merged.distinct_scopes, part.distinct_scopes);
  // The part's name ids in the merged table's: each text hashed once per part, not once per cell.
  std::vector<uint32_t> id(part.names.size());
  for (size_t i = 0; i < id.size(); ++i) id[i] = m.names.Of(part.names[i]);
  // Parts credited one after another on one worker list their cells in the same order (the slot keeps its cell keys
  // between runs, ProfileCache::KeepMemos), so the next cell is usually the one after the last matched: comparing
  // with it first turns most lookups, each a few cache misses into a large table, into a walk along the arrays.
  uint32_t next = 0;
  for (const CellTable::Cell& c : part.cells) {
    const CellKey key{id[c.partner], id[c.tenant], id[c.subscription], id[c.month], id[c.currency], id[c.admin]};
    uint32_t at = UINT32_MAX;
    for (uint32_t k = next; k < next + kMergeLookahead && k < m.cells.size(); ++k)
      if (m.cells.KeyAt(k) == key) {
        at = k;
        break;
      }
    if (at == UINT32_MAX) {
      const size_t held = m.cells.size();
      at = m.cells.IndexOf(key);
      // A key new to the merge goes to the end: the walk goes on from where it was.
      if (m.cells.size() == held) next = at + 1;
    } else {
      next = at + 1;
    }
    CellSums& sums = m.cells.At(at);
    sums.partner_name = id[c.partner_name];
    sums.rows += c.rows;
    sums.total += c.total;
    sums.attributed += c.attributed;
  }
  for (const CellTable::Miss& u : part.misses) {
    MissSums& sums = m.misses[MissGroup{id[u.subscription], id[u.month], id[u.currency], id[u.reason]}];
    sums.rows += u.rows;
    sums.total += u.total;
  }
  for (const CurrencyReconciliation& c : part.reconciliation) {
    auto at = std::find_if(m.merged.reconciliation.begin(), m.merged.reconciliation.end(),
                           [&c](const CurrencyReconciliation& t) { return t.currency == c.currency; });
    if (at == m.merged.reconciliation.end()) {
      m.merged.reconciliation.push_back(c);
    } else {
      AddInto(*at, c);
    }
  }
}

CellTable CellMerger::Finish() {
  Impl& m = *impl_;
  CellTable merged = std::move(m.merged);
  merged.cells.reserve(m.cells.size());
  for (uint32_t i = 0; i < m.cells.size(); ++i) {
    const CellKey& k = m.cells.KeyAt(i);
    const CellSums& s = m.cells.At(i);
    merged.cells.push_back(CellTable::Cell{k.partner, s.partner_name, k.tenant, k.subscription, k.month, k.currency,
                                           k.admin, s.rows, s.total, s.attributed});
  }
  merged.misses.reserve(m.misses.size());
  for (uint32_t i = 0; i < m.misses.size(); ++i) {
    const MissGroup& k = m.misses.KeyAt(i);
    const MissSums& s = m.misses.At(i);
    merged.misses.push_back(CellTable::Miss{k.subscription, k.month, k.currency, k.reason, s.rows, s.total});
  }
  std::sort(merged.reconciliation.begin(), merged.reconciliation.end(),
            [](const auto& a, const auto& b) { return a.currency < b.currency; });
  impl_ = std::make_unique<Impl>();
  return merged;
}

CellTable MergeCells(std::vector<CellTable> parts) {
  if (parts.empty()) return CellTable();
  if (parts.size() == 1) return std::move(parts[0]);
  CellMerger merger;
  size_t most_cells = 0;
  for (const CellTable& part : parts) most_cells = std::max(most_cells, part.cells.size());
  merger.Reserve(most_cells);
  for (CellTable& part : parts) {
    merger.Add(std::move(part));
    part = CellTable();  // freed as it is consumed
  }
  return merger.Finish();
}

}  // namespace openpal::engine
