#include "consensus/memory_log_storage.h"

#include "consensus/fatal.h"

namespace larch::consensus {

std::optional<uint64_t> MemoryLogStorage::term(uint64_t i) const {
  if (i == 0) return 0;
  if (i > entries_.size()) return std::nullopt;
  return entries_[i - 1].term;
}

std::vector<Entry> MemoryLogStorage::entries(uint64_t lo, uint64_t hi, uint64_t max_bytes) const {
  std::vector<Entry> out;
  uint64_t bytes = 0;
  for (uint64_t i = std::max<uint64_t>(lo, 1); i < hi && i <= entries_.size(); ++i) {
    const Entry& e = entries_[i - 1];
    if (!out.empty() && bytes + e.data.size() > max_bytes) break;
    bytes += e.data.size();
    out.push_back(e);
  }
  return out;
}

void MemoryLogStorage::persist(const HardState& hs, const std::vector<Entry>& entries) {
  if (!entries.empty()) {
    uint64_t first = entries.front().index;
    if (first == 0 || first > entries_.size() + 1) raft_fatal("persist leaves a gap");
    entries_.resize(first - 1);
    for (const Entry& e : entries) {
      if (e.index != entries_.size() + 1) raft_fatal("persist entries not contiguous");
      entries_.push_back(e);
    }
  }
  hard_state_ = hs;
  ++persist_count_;
}

}  // namespace larch::consensus
