#include "consensus/memory_log_storage.h"

#include <algorithm>

#include "consensus/fatal.h"

namespace larch::consensus {

std::optional<uint64_t> MemoryLogStorage::term(uint64_t i) const {
  if (i == snapshot_index_) return snapshot_term_;  // 0 on a fresh log
  if (i < snapshot_index_ || i > last_index()) return std::nullopt;
  return entries_[i - snapshot_index_ - 1].term;
}

std::vector<Entry> MemoryLogStorage::entries(uint64_t lo, uint64_t hi, uint64_t max_bytes) const {
  std::vector<Entry> out;
  uint64_t bytes = 0;
  for (uint64_t i = std::max(lo, first_index()); i < hi && i <= last_index(); ++i) {
    const Entry& e = entries_[i - snapshot_index_ - 1];
    if (!out.empty() && bytes + e.data.size() > max_bytes) break;
    bytes += e.data.size();
    out.push_back(e);
  }
  return out;
}

void MemoryLogStorage::persist(const HardState& hs, const std::vector<Entry>& entries) {
  if (!entries.empty()) {
    if (entries.front().index == 0) raft_fatal("persist of entry index 0");
    size_t skip = 0;  // already covered by the snapshot
    while (skip < entries.size() && entries[skip].index <= snapshot_index_) ++skip;
    if (skip < entries.size()) {
      uint64_t first = entries[skip].index;
      if (first > last_index() + 1) raft_fatal("persist leaves a gap");
      entries_.resize(first - snapshot_index_ - 1);
      for (size_t k = skip; k < entries.size(); ++k) {
        if (entries[k].index != last_index() + 1) raft_fatal("persist entries not contiguous");
        entries_.push_back(entries[k]);
      }
    }
  }
  hard_state_ = hs;
  ++persist_count_;
}

void MemoryLogStorage::install_snapshot(uint64_t index, uint64_t term) {
  entries_.clear();
  snapshot_index_ = index;
  snapshot_term_ = term;
  hard_state_.commit = std::max(hard_state_.commit, index);
}

}  // namespace larch::consensus
