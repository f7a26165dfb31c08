// Writing and mapping the compiled directory index (layout: docs/index-format.md).
#include "engine/compiled_index.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <unordered_map>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "core/leave_for_exit.h"
#include "core/roles.h"

namespace openpal::engine {

static_assert(std::endian::native == std::endian::little, "the compiled index is little-endian (docs/index-format.md)");

namespace {

constexpr char kMagic[8] = {'P', 'A', 'L', 'I', 'N', 'D', 'E', 'X'};
constexpr size_t kAlign = 64;

// The sections, in file order. Each keyed table is a sorted array of KeyRec and an array of records that the keys
// divide into consecutive ranges.
enum SectionId : int {
  kStrings,
  kIntervals,
  kPlacementKeys, kPlacements,
  kGroupParentKeys, kGroupParents,
  kAssignmentKeys, kAssignments,
  kLighthouseKeys, kLighthouse,
  kLinkKeys, kLinks,
  kEnabledKeys,  // its ranges are of kIntervals
  kMemberKeys, kMembers,
  kPartnerKeys, kPartners,
  kCustomRoleKeys, kCustomRoles,
  kSectionCount,
};

struct Str {
  uint32_t offset, length;
};
struct KeyRec {
  Str key;
  uint32_t first, count;
};
struct IntervalRec {
  int64_t from, to;
};
struct PlacementRec {
  int64_t from, to;
  Str tenant, parent_group;
};
struct GroupParentRec {
  int64_t from, to;
  Str parent;
};
struct AssignmentRec {
  int64_t from, to;
  Str tenant, principal, role_guid, role_name, scope_text;
  uint32_t principal_type;
};
struct LighthouseRec {
  int64_t from, to;
  Str customer_tenant, managing_tenant, principal, role_guid, scope_text;
  uint32_t eligible;
};
struct LinkRec {
  int64_t from, to;
  Str partner_id;
};
struct MemberRec {
  Str object;
  int32_t linked_id;
  uint32_t when_first, when_count;
};
struct PartnerRec {
  int64_t newest_from;
  Str newest_name;
  uint32_t credit_first, credit_count, known_first, known_count;
  uint8_t ever_global, ever_deleted, pad[6];
};
struct CustomRoleRec {
  Str name;
};
static_assert(sizeof(KeyRec) == 16 && sizeof(PlacementRec) == 32 && sizeof(GroupParentRec) == 24 &&
              sizeof(AssignmentRec) == 64 && sizeof(LighthouseRec) == 64 && sizeof(LinkRec) == 24 &&
              sizeof(MemberRec) == 20 && sizeof(PartnerRec) == 40 && sizeof(CustomRoleRec) == 8 &&
              sizeof(IntervalRec) == 16);

struct SectionRef {
  uint64_t offset, count;  // count of records (bytes for kStrings)
};
struct FileHeader {
  char magic[8];
  uint32_t format_version;
  uint32_t header_size;
  uint64_t file_size;
  uint64_t directory_version;
  char store_id[64];  // NUL-padded
  uint64_t body_checksum;    // XXH3-64 of bytes [header_size, file_size)
  uint64_t header_checksum;  // XXH3-64 of this header with this field zero
  uint32_t section_count;
  uint32_t reserved;
  SectionRef sections[kSectionCount];
};

size_t RecordSize(int section) {
  switch (section) {
    case kStrings: return 1;
    case kIntervals: return sizeof(IntervalRec);
    case kPlacements: return sizeof(PlacementRec);
    case kGroupParents: return sizeof(GroupParentRec);
    case kAssignments: return sizeof(AssignmentRec);
    case kLighthouse: return sizeof(LighthouseRec);
    case kLinks: return sizeof(LinkRec);
    case kMembers: return sizeof(MemberRec);
    case kPartners: return sizeof(PartnerRec);
    case kCustomRoles: return sizeof(CustomRoleRec);
    default: return sizeof(KeyRec);
  }
}

uint64_t HeaderChecksum(FileHeader header) {
  header.header_checksum = 0;
  return XXH3_64bits(&header, sizeof header);
}

}  // namespace

// ---- Writing ----

// Reads DirectoryIndex's maps (a friend) and lays them out as sections.
struct CompiledIndexWriter {
  explicit CompiledIndexWriter(const DirectoryIndex& source) : index(source) {}
  const DirectoryIndex& index;
  std::string strings;
  std::unordered_map<std::string_view, Str> interned;  // views into `index`, which outlives the writer
  std::vector<IntervalRec> intervals;
  std::vector<std::string> sections = std::vector<std::string>(kSectionCount);

  Result<Str> Intern(std::string_view s) {
    if (auto it = interned.find(s); it != interned.end()) return it->second;
    if (strings.size() + s.size() > UINT32_MAX)
      return Status::Error(StatusCode::kResourceExhausted, "the directory's texts exceed the index's 4 GiB string table");
    Str ref{static_cast<uint32_t>(strings.size()), static_cast<uint32_t>(s.size())};
    strings.append(s);
    interned.emplace(s, ref);
    return ref;
  }
  std::pair<uint32_t, uint32_t> AddIntervals(const IntervalSet& set) {
    const uint32_t first = static_cast<uint32_t>(intervals.size());
    for (const Interval& i : set.parts()) intervals.push_back(IntervalRec{i.from.micros, i.to.micros});
    return {first, static_cast<uint32_t>(set.parts().size())};
  }
  template <typename Rec>
  void Append(int section, const Rec& rec) {
    sections[section].append(reinterpret_cast<const char*>(&rec), sizeof rec);
  }

  // Writes one keyed table: its keys sorted, each with the range of records `emit(value)` appended.
  template <typename Map, typename Emit>
  Status Table(const Map& map, int key_section, int record_section, Emit emit) {
    std::vector<const typename Map::value_type*> entries;
    entries.reserve(map.size());
    for (const auto& entry : map) entries.push_back(&entry);
    std::sort(entries.begin(), entries.end(), [](auto* a, auto* b) { return a->first < b->first; });
    for (const auto* entry : entries) {
      auto key = Intern(entry->first);
      if (!key.ok()) return key.status();
      const size_t before = sections[record_section].size() / RecordSize(record_section);
      if (Status s = emit(entry->second); !s.ok()) return s;
      const size_t after = sections[record_section].size() / RecordSize(record_section);
      Append(key_section, KeyRec{*key, static_cast<uint32_t>(before), static_cast<uint32_t>(after - before)});
    }
    return Status::Ok();
  }

  Status Write() {
#define OPENPAL_INTERN(var, text) \
  auto var = Intern(text);        \
  if (!var.ok()) return var.status();
    Status s = Table(index.placements_, kPlacementKeys, kPlacements, [&](const std::vector<Placement>& list) {
      for (const auto& p : list) {
        OPENPAL_INTERN(tenant, p.tenant);
        OPENPAL_INTERN(parent, p.parent_group);
        Append(kPlacements, PlacementRec{p.valid.from.micros, p.valid.to.micros, *tenant, *parent});
      }
      return Status::Ok();
    });
    if (s.ok())
      s = Table(index.group_parents_, kGroupParentKeys, kGroupParents, [&](const std::vector<GroupParent>& list) {
        for (const auto& p : list) {
          OPENPAL_INTERN(parent, p.parent);
          Append(kGroupParents, GroupParentRec{p.valid.from.micros, p.valid.to.micros, *parent});
        }
        return Status::Ok();
      });
    if (s.ok())
      s = Table(index.assignments_, kAssignmentKeys, kAssignments, [&](const std::vector<AssignmentEntry>& list) {
        for (const auto& a : list) {
          OPENPAL_INTERN(tenant, a.tenant);
          OPENPAL_INTERN(principal, a.principal);
          OPENPAL_INTERN(guid, a.role_guid);
          OPENPAL_INTERN(name, a.role_name);
          OPENPAL_INTERN(scope, a.scope_text);
          Append(kAssignments, AssignmentRec{a.valid.from.micros, a.valid.to.micros, *tenant, *principal, *guid, *name,
                                             *scope, static_cast<uint32_t>(a.principal_type)});
        }
        return Status::Ok();
      });
    if (s.ok())
      s = Table(index.lighthouse_, kLighthouseKeys, kLighthouse, [&](const std::vector<LighthouseEntry>& list) {
        for (const auto& a : list) {
          OPENPAL_INTERN(customer, a.customer_tenant);
          OPENPAL_INTERN(managing, a.managing_tenant);
          OPENPAL_INTERN(principal, a.principal);
          OPENPAL_INTERN(guid, a.role_guid);
          OPENPAL_INTERN(scope, a.scope_text);
          Append(kLighthouse, LighthouseRec{a.valid.from.micros, a.valid.to.micros, *customer, *managing, *principal,
                                            *guid, *scope, a.eligible ? 1u : 0u});
        }
        return Status::Ok();
      });
    if (s.ok())
      s = Table(index.links_, kLinkKeys, kLinks, [&](const std::vector<TimedPartnerLink>& list) {
        for (const auto& l : list) {
          OPENPAL_INTERN(partner, l.partner_id);
          Append(kLinks, LinkRec{l.valid.from.micros, l.valid.to.micros, *partner});
        }
        return Status::Ok();
      });
    if (s.ok()) {  // the enabled sets' ranges are of the interval pool itself
      std::vector<const std::pair<const std::string, IntervalSet>*> entries;
      for (const auto& entry : index.enabled_) entries.push_back(&entry);
      std::sort(entries.begin(), entries.end(), [](auto* a, auto* b) { return a->first < b->first; });
      for (const auto* entry : entries) {
        OPENPAL_INTERN(key, entry->first);
        auto [first, count] = AddIntervals(entry->second);
        Append(kEnabledKeys, KeyRec{*key, first, count});
      }
    }
    if (s.ok())
      s = Table(index.linked_members_, kMemberKeys, kMembers, [&](const std::vector<LinkedMember>& list) {
        for (const auto& m : list) {
          OPENPAL_INTERN(object, m.object);
          auto [first, count] = AddIntervals(m.when);
          Append(kMembers, MemberRec{*object, m.linked_id, first, count});
        }
        return Status::Ok();
      });
    if (s.ok())
      s = Table(index.partners_, kPartnerKeys, kPartners, [&](const PartnerInfo& p) {
        OPENPAL_INTERN(name, p.newest_name);
        PartnerRec rec{};
        rec.newest_from = p.newest_from.micros;
        rec.newest_name = *name;
        std::tie(rec.credit_first, rec.credit_count) = AddIntervals(p.credit_valid);
        std::tie(rec.known_first, rec.known_count) = AddIntervals(p.known);
        rec.ever_global = p.ever_global;
        rec.ever_deleted = p.ever_deleted;
        Append(kPartners, rec);
        return Status::Ok();
      });
    if (s.ok())
      s = Table(index.custom_roles_, kCustomRoleKeys, kCustomRoles,
                [&](const std::pair<Timestamp, std::string>& role) {
                  OPENPAL_INTERN(name, role.second);
                  Append(kCustomRoles, CustomRoleRec{*name});
                  return Status::Ok();
                });
#undef OPENPAL_INTERN
    if (!s.ok()) return s;
    if (intervals.size() > UINT32_MAX)
      return Status::Error(StatusCode::kResourceExhausted, "the directory's intervals exceed the index's 2^32");
    sections[kStrings] = std::move(strings);
    sections[kIntervals].assign(reinterpret_cast<const char*>(intervals.data()), intervals.size() * sizeof(IntervalRec));
    return Status::Ok();
  }
};

Result<IndexIdentity> WriteCompiledIndex(const DirectoryIndex& index, const Store::DirectoryVersion& version,
                                         const std::string& path) {
  if (version.store_id.size() >= sizeof(FileHeader::store_id))
    return Status::Error(StatusCode::kInvalidArgument, "the store ID is longer than the index header holds",
                         version.store_id);
  CompiledIndexWriter writer(index);
  if (Status s = writer.Write(); !s.ok()) return s.WithContext(path);
  FileHeader header{};
  std::memcpy(header.magic, kMagic, sizeof kMagic);
  header.format_version = kIndexFormatVersion;
  header.header_size = sizeof(FileHeader);
  header.directory_version = version.version;
  std::memcpy(header.store_id, version.store_id.data(), version.store_id.size());
  header.section_count = kSectionCount;
  std::string body;
  uint64_t offset = (sizeof(FileHeader) + kAlign - 1) / kAlign * kAlign;
  body.resize(offset - sizeof(FileHeader), '\0');
  for (int i = 0; i < kSectionCount; ++i) {
    const std::string& bytes = writer.sections[i];
    header.sections[i] = SectionRef{offset, bytes.size() / RecordSize(i)};
    body += bytes;
    offset += bytes.size();
    const uint64_t padded = (offset + kAlign - 1) / kAlign * kAlign;
    body.append(padded - offset, '\0');
    offset = padded;
  }
  header.file_size = offset;
  header.body_checksum = XXH3_64bits(body.data(), body.size());
  header.header_checksum = HeaderChecksum(header);

  // Written beside the target and renamed over it: a reader sees the old file or the new one, never half of one.
  const std::string temporary = path + ".tmp" + std::to_string(::getpid());
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(&header), sizeof header);
    out.write(body.data(), static_cast<std::streamsize>(body.size()));
    out.flush();
    if (!out) {
      std::error_code ignored;
      std::filesystem::remove(temporary, ignored);
      return Status::Error(StatusCode::kIoError, "cannot write the compiled index", temporary);
    }
  }
  std::error_code ec;
  std::filesystem::rename(temporary, path, ec);
  if (ec) {
    std::filesystem::remove(temporary, ec);
    return Status::Error(StatusCode::kIoError, "cannot move the compiled index into place: " + ec.message(), path);
  }
  return IndexIdentity{version.store_id, version.version, header.body_checksum};
}

// ---- Reading ----

// One memo slot per key of a table: the entry copied out of the mapping on first use, published with a CAS so
// that threads never lock (a thread that loses the race frees its copy). Slots come from calloc: untouched pages
// of a large table cost no memory.
template <typename T>
class Memo {
 public:
  explicit Memo(size_t n) : n_(n), slots_(static_cast<std::atomic<T*>*>(std::calloc(n ? n : 1, sizeof(std::atomic<T*>)))) {}
  ~Memo() {
    for (size_t i = 0; i < n_; ++i) delete slots_[i].load(std::memory_order_relaxed);
    std::free(slots_);
  }
  Memo(const Memo&) = delete;
  Memo& operator=(const Memo&) = delete;
  template <typename Make>
  const T* Get(size_t i, Make make) {
    T* seen = slots_[i].load(std::memory_order_acquire);
    if (seen) return seen;
    T* made = new T(make());
    if (slots_[i].compare_exchange_strong(seen, made, std::memory_order_acq_rel)) return made;
    delete made;
    return seen;
  }

 private:
  size_t n_;
  std::atomic<T*>* slots_;
};

// A keyed table's keys by hash, built on the table's first lookup: a binary search over a million mapped keys cost
// about twenty string comparisons, each a cache miss or two, and profiles ask it for every scope of every resource
// (most of them, a resource's own ID, are absent). Slots hold 32 bits of the hash and the key's position + 1.
struct KeyHashTable {
  std::once_flag built;
  std::vector<uint64_t> slots;
  uint64_t mask = 0;
};

struct CompiledIndex::Memos {
  Memos(const std::vector<Section>& s)
      : placements(s[kPlacementKeys].count),
        group_parents(s[kGroupParentKeys].count),
        links(s[kLinkKeys].count),
        enabled(s[kEnabledKeys].count),
        members(s[kMemberKeys].count),
        partners(s[kPartnerKeys].count),
        link_holders(s[kLinkKeys].count),
        member_holders(s[kMemberKeys].count) {}
  Memo<std::vector<Placement>> placements;
  Memo<std::vector<GroupParent>> group_parents;
  Memo<std::vector<TimedPartnerLink>> links;
  Memo<IntervalSet> enabled;
  Memo<std::vector<LinkedMember>> members;
  Memo<PartnerInfo> partners;
  Memo<Holder> link_holders;    // holders that have links, by link key
  Memo<Holder> member_holders;  // groups without links of their own, by member key
  KeyHashTable key_hashes[kSectionCount];
};

struct CompiledIndex::KeyRange : KeyRec {};

namespace {

// Checks a header read from an index of `actual_size` bytes named `path`, and returns its sections.
Result<std::vector<std::pair<uint64_t, uint64_t>>> CheckHeader(const FileHeader& header, uint64_t actual_size,
                                                               const std::string& path) {
  auto corrupt = [&](const std::string& what) {
    return Status::Error(StatusCode::kCorruption,
                         "not a usable compiled index (" + what + "): rebuild it with `pal index build`", path);
  };
  if (std::memcmp(header.magic, kMagic, sizeof kMagic) != 0) return corrupt("no PALINDEX magic");
  if (header.format_version != kIndexFormatVersion)
    return Status::Error(StatusCode::kFailedPrecondition,
                         "the compiled index has format version " + std::to_string(header.format_version) +
                             ", this binary reads version " + std::to_string(kIndexFormatVersion) +
                             ": rebuild it with `pal index build`",
                         path);
  if (header.header_size != sizeof header || header.section_count != kSectionCount) return corrupt("header size");
  if (HeaderChecksum(header) != header.header_checksum) return corrupt("header checksum mismatch");
  if (header.file_size != actual_size)
    return corrupt("size " + std::to_string(actual_size) + " bytes, header says " + std::to_string(header.file_size));
  std::vector<std::pair<uint64_t, uint64_t>> sections(kSectionCount);
  for (int i = 0; i < kSectionCount; ++i) {
    const SectionRef& ref = header.sections[i];
    if (ref.offset % kAlign != 0 || ref.offset < sizeof header || ref.offset > header.file_size ||
        ref.count > (header.file_size - ref.offset) / RecordSize(i))
      return corrupt("section " + std::to_string(i) + " out of bounds");
    sections[i] = {ref.offset, ref.count};
  }
  return sections;
}

}  // namespace

Result<std::unique_ptr<CompiledIndex>> CompiledIndex::Open(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return Status::Error(errno == ENOENT ? StatusCode::kNotFound : StatusCode::kIoError,
                         std::string("cannot open the compiled index: ") + std::strerror(errno), path);
  }
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  auto corrupt = [&](const std::string& what) {
    return Status::Error(StatusCode::kCorruption,
                         "not a usable compiled index (" + what + "): rebuild it with `pal index build`", path);
  };
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) return corrupt("not a regular file");
  FileHeader header{};
  if (st.st_size < static_cast<off_t>(sizeof header) || ::pread(fd, &header, sizeof header, 0) != sizeof header)
    return corrupt("shorter than its header");
  auto checked = CheckHeader(header, static_cast<uint64_t>(st.st_size), path);
  if (!checked.ok()) return checked.status();
  std::vector<Section> sections;
  for (auto [offset, count] : *checked) sections.push_back(Section{offset, count});
  // The body's checksum, read with pread through a small buffer, not through the mapping: pages are then mapped
  // only when a lookup needs them, so `pal explain` keeps a small footprint.
  {
    XXH3_state_t* state = XXH3_createState();
    XXH3_64bits_reset(state);
    std::vector<char> buffer(1 << 20);
    uint64_t at = sizeof header;
    bool ok = true;
    while (at < header.file_size) {
      const size_t want = static_cast<size_t>(std::min<uint64_t>(buffer.size(), header.file_size - at));
      const ssize_t got = ::pread(fd, buffer.data(), want, static_cast<off_t>(at));
      if (got <= 0) {
        ok = false;
        break;
      }
      XXH3_64bits_update(state, buffer.data(), static_cast<size_t>(got));
      at += static_cast<uint64_t>(got);
    }
    const uint64_t sum = XXH3_64bits_digest(state);
    XXH3_freeState(state);
    if (!ok) return Status::Error(StatusCode::kIoError, "cannot read the compiled index", path);
    if (sum != header.body_checksum) return corrupt("body checksum mismatch");
  }
  void* mapped = ::mmap(nullptr, header.file_size, PROT_READ, MAP_SHARED, fd, 0);
  if (mapped == MAP_FAILED)
    return Status::Error(StatusCode::kIoError, std::string("cannot map the compiled index: ") + std::strerror(errno), path);
  std::unique_ptr<CompiledIndex> index(new CompiledIndex());
  index->base_ = static_cast<const char*>(mapped);
  index->size_ = header.file_size;
  index->identity_ = IndexIdentity{std::string(header.store_id, strnlen(header.store_id, sizeof header.store_id)),
                                   header.directory_version, header.body_checksum};
  index->sections_ = std::move(sections);
  index->memos_ = std::make_unique<Memos>(index->sections_);
  return index;
}

Result<std::unique_ptr<CompiledIndex>> CompiledIndex::FromBytes(std::string_view bytes, const std::string& name) {
  auto corrupt = [&](const std::string& what) {
    return Status::Error(StatusCode::kCorruption,
                         "not a usable compiled index (" + what + "): rebuild it with `pal index build`", name);
  };
  FileHeader header{};
  if (bytes.size() < sizeof header) return corrupt("shorter than its header");
  std::memcpy(&header, bytes.data(), sizeof header);
  auto checked = CheckHeader(header, bytes.size(), name);
  if (!checked.ok()) return checked.status();
  if (XXH3_64bits(bytes.data() + sizeof header, bytes.size() - sizeof header) != header.body_checksum)
    return corrupt("body checksum mismatch");
  // A copy in memory aligned as the file's sections are (records are read in place, by their types' alignment).
  const size_t rounded = (bytes.size() + kAlign - 1) / kAlign * kAlign;
  void* copy = std::aligned_alloc(kAlign, rounded ? rounded : kAlign);
  if (!copy) return Status::Error(StatusCode::kIoError, "out of memory for the compiled index", name);
  std::memcpy(copy, bytes.data(), bytes.size());
  std::unique_ptr<CompiledIndex> index(new CompiledIndex());
  index->base_ = static_cast<const char*>(copy);
  index->size_ = bytes.size();
  index->owned_ = true;
  index->identity_ = IndexIdentity{std::string(header.store_id, strnlen(header.store_id, sizeof header.store_id)),
                                   header.directory_version, header.body_checksum};
  for (auto [offset, count] : *checked) index->sections_.push_back(Section{offset, count});
  index->memos_ = std::make_unique<Memos>(index->sections_);
  return index;
}

CompiledIndex::~CompiledIndex() {
  memos_.reset();
  if (base_ && owned_) std::free(const_cast<char*>(base_));
  else if (base_) ::munmap(const_cast<char*>(base_), size_);
}

template <typename Rec>
const Rec* CompiledIndex::Records(int section) const {
  return reinterpret_cast<const Rec*>(base_ + sections_[section].offset);
}

const CompiledIndex::KeyRange& CompiledIndex::Keys(int table, size_t i) const {
  return Records<KeyRange>(table)[i];
}

// Every reference is checked against its section: the checksum makes a bad one unlikely, and a bad one must never
// read outside the mapping (it reads as empty instead).
std::string_view CompiledIndex::Text(uint32_t offset, uint32_t length) const {
  const uint64_t size = sections_[kStrings].count;
  if (uint64_t{offset} + length > size) return {};
  return std::string_view(base_ + sections_[kStrings].offset + offset, length);
}

IntervalSet CompiledIndex::Intervals(uint32_t first, uint32_t count) const {
  if (uint64_t{first} + count > sections_[kIntervals].count) return {};
  const IntervalRec* recs = Records<IntervalRec>(kIntervals) + first;
  std::vector<Interval> parts;
  parts.reserve(count);
  for (uint32_t i = 0; i < count; ++i) parts.push_back(Interval{Timestamp{recs[i].from}, Timestamp{recs[i].to}});
  return IntervalSet(std::move(parts));
}

int64_t CompiledIndex::Find(int table, std::string_view key) const {
  const KeyRange* keys = Records<KeyRange>(table);
  const size_t count = sections_[table].count;
  KeyHashTable& hashed = memos_->key_hashes[table];
  std::call_once(hashed.built, [&] {
    if (count == 0 || count >= UINT32_MAX) return;  // empty, or too large for the slots: binary search below
    hashed.slots.assign(std::bit_ceil(count * 2), 0);
    hashed.mask = hashed.slots.size() - 1;
    for (size_t i = 0; i < count; ++i) {
      const std::string_view text = Text(keys[i].key.offset, keys[i].key.length);
      const uint64_t h = XXH3_64bits(text.data(), text.size());
      for (uint64_t at = h & hashed.mask;; at = (at + 1) & hashed.mask) {
        const uint64_t slot = hashed.slots[at];
        if (slot == 0) {
          hashed.slots[at] = (h & 0xFFFFFFFF00000000ULL) | (i + 1);
          break;
        }
        // A repeated key (never written so, but the file is input): the first keeps it, as the binary search's did.
        if ((slot >> 32) == (h >> 32) && Text(keys[(slot & 0xFFFFFFFF) - 1].key.offset,
                                               keys[(slot & 0xFFFFFFFF) - 1].key.length) == text)
          break;
      }
    }
  });
  if (!hashed.slots.empty()) {
    const uint64_t h = XXH3_64bits(key.data(), key.size());
    for (uint64_t at = h & hashed.mask;; at = (at + 1) & hashed.mask) {
      const uint64_t slot = hashed.slots[at];
      if (slot == 0) return -1;
      const size_t i = (slot & 0xFFFFFFFF) - 1;
      if ((slot >> 32) == (h >> 32) && Text(keys[i].key.offset, keys[i].key.length) == key) return static_cast<int64_t>(i);
    }
  }
  size_t lo = 0, hi = sections_[table].count;
  while (lo < hi) {  // the first key not less than `key`
    const size_t mid = lo + (hi - lo) / 2;
    if (Text(keys[mid].key.offset, keys[mid].key.length) < key) lo = mid + 1;
    else hi = mid;
  }
  if (lo < sections_[table].count && Text(keys[lo].key.offset, keys[lo].key.length) == key) return static_cast<int64_t>(lo);
  return -1;
}

namespace {
// The records of key `i` of a table, or an empty range when it points outside its section.
template <typename Rec>
std::pair<const Rec*, uint32_t> RangeOf(const Rec* records, uint64_t record_count, uint32_t first, uint32_t count) {
  if (uint64_t{first} + count > record_count) return {records, 0};
  return {records + first, count};
}
Interval IntervalOf(int64_t from, int64_t to) { return Interval{Timestamp{from}, Timestamp{to}}; }
}  // namespace

const std::vector<Placement>* CompiledIndex::Placements(std::string_view subscription_lower) const {
  const int64_t i = Find(kPlacementKeys, subscription_lower);
  if (i < 0) return nullptr;
  return memos_->placements.Get(static_cast<size_t>(i), [&] {
    const KeyRec& key = Keys(kPlacementKeys, static_cast<size_t>(i));
    auto [recs, n] = RangeOf(Records<PlacementRec>(kPlacements), sections_[kPlacements].count, key.first, key.count);
    std::vector<Placement> out;
    out.reserve(n);
    for (uint32_t k = 0; k < n; ++k)
      out.push_back(Placement{IntervalOf(recs[k].from, recs[k].to), std::string(Text(recs[k].tenant.offset, recs[k].tenant.length)),
                              std::string(Text(recs[k].parent_group.offset, recs[k].parent_group.length))});
    return out;
  });
}

const std::vector<GroupParent>* CompiledIndex::GroupParents(std::string_view tenant, std::string_view group_lower) const {
  const int64_t i = Find(kGroupParentKeys, PrincipalKey(tenant, group_lower));
  if (i < 0) return nullptr;
  return memos_->group_parents.Get(static_cast<size_t>(i), [&] {
    const KeyRec& key = Keys(kGroupParentKeys, static_cast<size_t>(i));
    auto [recs, n] = RangeOf(Records<GroupParentRec>(kGroupParents), sections_[kGroupParents].count, key.first, key.count);
    std::vector<GroupParent> out;
    out.reserve(n);
    for (uint32_t k = 0; k < n; ++k)
      out.push_back(GroupParent{IntervalOf(recs[k].from, recs[k].to), std::string(Text(recs[k].parent.offset, recs[k].parent.length))});
    return out;
  });
}

// Assignments and Lighthouse authorizations are read in place, never copied out: a run asks for every scope's
// grants, and copies of a million assignments' five texts each were 400 MiB, more than a quarter of a 10M-row run's
// peak (docs/attribution.md). Building the views costs a few additions per grant, less than copying did once.
void CompiledIndex::ForEachAssignmentAt(std::string_view scope_key,
                                        FunctionRef<void(const AssignmentView&)> visit) const {
  const int64_t i = Find(kAssignmentKeys, scope_key);
  if (i < 0) return;
  const KeyRec& key = Keys(kAssignmentKeys, static_cast<size_t>(i));
  auto [recs, n] = RangeOf(Records<AssignmentRec>(kAssignments), sections_[kAssignments].count, key.first, key.count);
  for (uint32_t k = 0; k < n; ++k) {
    const AssignmentRec& r = recs[k];
    const uint32_t type = std::min<uint32_t>(r.principal_type, static_cast<uint32_t>(AssigneeType::kUnknown));
    visit(AssignmentView{Text(r.tenant.offset, r.tenant.length), Text(r.principal.offset, r.principal.length),
                         static_cast<AssigneeType>(type), Text(r.role_guid.offset, r.role_guid.length),
                         Text(r.role_name.offset, r.role_name.length), Text(r.scope_text.offset, r.scope_text.length),
                         IntervalOf(r.from, r.to)});
  }
}

bool CompiledIndex::HasGrantsAt(std::string_view scope_key) const {
  return Find(kAssignmentKeys, scope_key) >= 0 || Find(kLighthouseKeys, scope_key) >= 0;
}

void CompiledIndex::ForEachLighthouseAt(std::string_view scope_key,
                                        FunctionRef<void(const LighthouseView&)> visit) const {
  const int64_t i = Find(kLighthouseKeys, scope_key);
  if (i < 0) return;
  const KeyRec& key = Keys(kLighthouseKeys, static_cast<size_t>(i));
  auto [recs, n] = RangeOf(Records<LighthouseRec>(kLighthouse), sections_[kLighthouse].count, key.first, key.count);
  for (uint32_t k = 0; k < n; ++k) {
    const LighthouseRec& r = recs[k];
    visit(LighthouseView{Text(r.customer_tenant.offset, r.customer_tenant.length),
                         Text(r.managing_tenant.offset, r.managing_tenant.length),
                         Text(r.principal.offset, r.principal.length), Text(r.role_guid.offset, r.role_guid.length),
                         Text(r.scope_text.offset, r.scope_text.length), r.eligible != 0, IntervalOf(r.from, r.to)});
  }
}

const std::vector<TimedPartnerLink>* CompiledIndex::LinksOf(std::string_view principal_key) const {
  const int64_t i = Find(kLinkKeys, principal_key);
  if (i < 0) return nullptr;
  return memos_->links.Get(static_cast<size_t>(i), [&] {
    const KeyRec& key = Keys(kLinkKeys, static_cast<size_t>(i));
    auto [recs, n] = RangeOf(Records<LinkRec>(kLinks), sections_[kLinks].count, key.first, key.count);
    std::vector<TimedPartnerLink> out;
    out.reserve(n);
    for (uint32_t k = 0; k < n; ++k)
      out.push_back(TimedPartnerLink{IntervalOf(recs[k].from, recs[k].to),
                                     std::string(Text(recs[k].partner_id.offset, recs[k].partner_id.length))});
    return out;
  });
}

const IntervalSet& CompiledIndex::EnabledOf(std::string_view principal_key) const {
  static const IntervalSet kNever;
  const int64_t i = Find(kEnabledKeys, principal_key);
  if (i < 0) return kNever;
  return *memos_->enabled.Get(static_cast<size_t>(i), [&] {
    const KeyRec& key = Keys(kEnabledKeys, static_cast<size_t>(i));
    return Intervals(key.first, key.count);
  });
}

bool CompiledIndex::PrincipalKnown(std::string_view principal_key) const { return Find(kEnabledKeys, principal_key) >= 0; }

const std::vector<LinkedMember>* CompiledIndex::LinkedMembersOf(std::string_view group_key) const {
  const int64_t i = Find(kMemberKeys, group_key);
  if (i < 0) return nullptr;
  return memos_->members.Get(static_cast<size_t>(i), [&] {
    const KeyRec& key = Keys(kMemberKeys, static_cast<size_t>(i));
    auto [recs, n] = RangeOf(Records<MemberRec>(kMembers), sections_[kMembers].count, key.first, key.count);
    std::vector<LinkedMember> out;
    out.reserve(n);
    for (uint32_t k = 0; k < n; ++k)
      out.push_back(LinkedMember{std::string(Text(recs[k].object.offset, recs[k].object.length)),
                                 Intervals(recs[k].when_first, recs[k].when_count), recs[k].linked_id});
    return out;
  });
}

const Holder* CompiledIndex::HolderOf(std::string_view principal_key) const {
  // As DirectoryIndex::Finish makes them: a principal with links (its id is its key's position), else a group with
  // linked members.
  if (const int64_t i = Find(kLinkKeys, principal_key); i >= 0) {
    return memos_->link_holders.Get(static_cast<size_t>(i), [&] {
      return Holder{LinksOf(principal_key), LinkedMembersOf(principal_key), static_cast<int32_t>(i)};
    });
  }
  if (const int64_t j = Find(kMemberKeys, principal_key); j >= 0) {
    return memos_->member_holders.Get(static_cast<size_t>(j),
                                      [&] { return Holder{nullptr, LinkedMembersOf(principal_key), -1}; });
  }
  return nullptr;
}

std::string_view CompiledIndex::LinkedKey(int32_t linked_id) const {
  const KeyRec& key = Keys(kLinkKeys, static_cast<size_t>(linked_id));
  return Text(key.key.offset, key.key.length);
}

size_t CompiledIndex::linked_principal_count() const { return sections_[kLinkKeys].count; }

const PartnerInfo* CompiledIndex::Partner(std::string_view partner_id) const {
  const int64_t i = Find(kPartnerKeys, partner_id);
  if (i < 0) return nullptr;
  return memos_->partners.Get(static_cast<size_t>(i), [&]() -> PartnerInfo {
    const KeyRec& key = Keys(kPartnerKeys, static_cast<size_t>(i));
    auto [recs, n] = RangeOf(Records<PartnerRec>(kPartners), sections_[kPartners].count, key.first, key.count);
    PartnerInfo info;
    if (n == 0) return info;
    const PartnerRec& r = recs[0];
    info.credit_valid = Intervals(r.credit_first, r.credit_count);
    info.known = Intervals(r.known_first, r.known_count);
    info.newest_name = std::string(Text(r.newest_name.offset, r.newest_name.length));
    info.newest_from = Timestamp{r.newest_from};
    info.ever_global = r.ever_global != 0;
    info.ever_deleted = r.ever_deleted != 0;
    return info;
  });
}

std::string CompiledIndex::RoleName(std::string_view tenant, std::string_view role_guid,
                                    std::string_view exported) const {
  if (const BuiltInRole* role = FindBuiltInRole(role_guid)) return std::string(role->name);
  if (const int64_t i = Find(kCustomRoleKeys, PrincipalKey(tenant, role_guid)); i >= 0) {
    const KeyRec& key = Keys(kCustomRoleKeys, static_cast<size_t>(i));
    auto [recs, n] = RangeOf(Records<CustomRoleRec>(kCustomRoles), sections_[kCustomRoles].count, key.first, key.count);
    if (n > 0) {
      std::string_view name = Text(recs[0].name.offset, recs[0].name.length);
      if (!name.empty()) return std::string(name);
    }
  }
  if (!exported.empty()) return std::string(exported);
  return std::string(role_guid);
}

// ---- Choosing the source ----

Result<IndexIdentity> BuildCompiledIndex(Store& store, const std::string& path) {
  // The version is asked before the facts are read: a change committed meanwhile makes the index stale, never
  // wrongly fresh.
  auto version = store.CurrentDirectoryVersion();
  if (!version.ok()) return version.status();
  auto index = DirectoryIndex::Load(store);
  if (!index.ok()) return index.status();
  auto written = WriteCompiledIndex(**index, *version, path);
  LeaveForExit(std::move(index).value());
  return written;
}

Result<LoadedDirectory> LoadDirectory(Store& store, const DirectorySource& source) {
  auto version = store.CurrentDirectoryVersion();
  std::optional<IndexIdentity> store_identity;
  if (version.ok()) store_identity = IndexIdentity{version->store_id, version->version, 0};
  std::error_code ec;
  const bool present = !source.index_path.empty() && std::filesystem::exists(source.index_path, ec);
  if (source.index_explicit && !present)
    return Status::Error(StatusCode::kNotFound, "no compiled index here: build it with `pal index build`",
                         source.index_path);
  std::string why_rebuilt;
  if (present) {
    if (!version.ok()) {
      if (source.index_explicit)
        return version.status().WithContext("cannot tell whether the index " + source.index_path + " is fresh");
    } else {
      auto opened = CompiledIndex::Open(source.index_path);
      if (opened.ok()) {
        const IndexIdentity& id = (*opened)->identity();
        if (id.store_id == version->store_id && id.directory_version == version->version) {
          LoadedDirectory loaded;
          loaded.identity = id;
          loaded.view = std::move(opened).value();
          loaded.from_index = true;
          return loaded;
        }
        why_rebuilt = id.store_id != version->store_id
                          ? "it was built from another store (" + id.store_id + ", this one is " + version->store_id + ")"
                          : "it was built at directory version " + std::to_string(id.directory_version) +
                                " and the store is now at version " + std::to_string(version->version);
        if (source.index_explicit)
          return Status::Error(StatusCode::kFailedPrecondition,
                               "the compiled index is stale: " + why_rebuilt + "; rebuild it with `pal index build`",
                               source.index_path);
      } else {
        if (source.index_explicit) return opened.status();
        why_rebuilt = opened.status().ToString();
      }
    }
  }
  auto index = DirectoryIndex::Load(store);
  if (!index.ok()) return index.status();
  LoadedDirectory loaded;
  loaded.identity = store_identity;
  if (present && version.ok()) {  // a stale or unreadable default index: rebuild it in place
    auto written = WriteCompiledIndex(**index, *version, source.index_path);
    if (source.notes) {
      if (written.ok())
        *source.notes << "note: the compiled index " << source.index_path << " was stale (" << why_rebuilt
                      << "): rebuilt\n";
      else
        *source.notes << "note: the compiled index " << source.index_path << " was stale (" << why_rebuilt
                      << ") and could not be rebuilt: " << written.status().ToString()
                      << "; the directory was read from the store\n";
    }
    if (written.ok()) loaded.identity = *written;
  }
  loaded.view = std::move(index).value();
  return loaded;
}

}  // namespace openpal::engine
