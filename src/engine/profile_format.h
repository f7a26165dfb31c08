// The packed profile block: its layout, written once, for its writer (ProfileCache::Pack, profile_cache.cc) and its
// reader (the Attributor's Credit, attribution.cc), as LevelDB's log_format.h is for its log.
#pragma once

#include <cstdint>

namespace openpal::engine::profile {

// A profile is one block of int64 words, aligned to a cache line, so that a usage row reads it front to back (few
// cache misses, no pointer chase; the whole block is prefetched). All names are ids of the cache's string pool.
// Layout:
//   header    [kSubscription] subscription id (-1: none)   [kSegmentCount] S, the number of placement segments
//             [kLength] the block's length in words   [kId] the block's id (dense, from 1; 0 is the shared profile
//             of rows that name no subscription)
//   segments  S times kSegmentWords: kFrom, kTo (the placement's interval), kTenant (tenant id), kUnions (offset of
//             the tenant's step unions), kPartners (offset of its first partner record), kPartnersEnd (end of its
//             partner records); segments of one tenant share its section
//   per tenant: the unions access, linked, enabled, partner_valid, each a set: (count N, N (from, to) pairs); then
//             each credited partner's record: kPartner (partner id), kNext (words to the next record),
//             kQualifyingCount Q, kRoleCount R, from kQualifying Q qualifying pairs, R times (admin id, C, C pairs)
//             in AdminType order, then the report-cell cache: `slots` x kCellWays words, each thread (slot) writing
//             only its own kCellWays
// Offsets count words from the block's start. Pairs are sorted and disjoint.
constexpr int64_t kSubscription = 0, kSegmentCount = 1, kLength = 2, kId = 3, kSegments = 4, kSegmentWords = 6;
// Segment fields.
constexpr int64_t kFrom = 0, kTo = 1, kTenant = 2, kUnions = 3, kPartners = 4, kPartnersEnd = 5;
// Partner record fields.
constexpr int64_t kPartner = 0, kNext = 1, kQualifyingCount = 2, kRoleCount = 3, kQualifying = 4;
// Cached (month, currency, admin) -> report cell per partner and thread, one word each: tag << 32 | cell + 1.
constexpr int64_t kCellWays = 8;

// The segment `s` of `block`.
inline const int64_t* Segment(const int64_t* block, int64_t s) { return block + kSegments + s * kSegmentWords; }

// The segment of `block` whose placement holds at `t` (micros), or nullptr.
inline const int64_t* SegmentAt(const int64_t* block, int64_t t) {
  for (int64_t s = 0; s < block[kSegmentCount]; ++s) {
    const int64_t* segment = Segment(block, s);
    if (segment[kFrom] <= t && t < segment[kTo]) return segment;
  }
  return nullptr;
}

// The first word of a partner record's report-cell cache (`cache_words` = slots x kCellWays).
inline int64_t* CellCacheOf(int64_t* record, int64_t cache_words) { return record + record[kNext] - cache_words; }

}  // namespace openpal::engine::profile
