#pragma once
// In-memory LogStorage: the twin of store::SqliteLogStorage for tests and simulations.
// "Durable" for as long as the object lives, so a test can destroy a RaftCore and build a
// new one on the same storage to simulate a crash and restart. Single-threaded.
#include <cstdint>
#include <vector>

#include "consensus/log_storage.h"

namespace larch::consensus {

class MemoryLogStorage : public LogStorage {
 public:
  HardState hard_state() const override { return hard_state_; }
  uint64_t first_index() const override { return snapshot_index_ + 1; }
  uint64_t last_index() const override { return snapshot_index_ + entries_.size(); }
  std::optional<uint64_t> term(uint64_t i) const override;
  std::vector<Entry> entries(uint64_t lo, uint64_t hi, uint64_t max_bytes) const override;
  // Entries at or below the snapshot index are ignored. Aborts on a gap (first new index >
  // last_index()+1) or index 0: the caller broke the contract.
  void persist(const HardState& hs, const std::vector<Entry>& entries) override;
  void install_snapshot(uint64_t index, uint64_t term) override;

  uint64_t snapshot_index() const { return snapshot_index_; }
  uint64_t snapshot_term() const { return snapshot_term_; }

  // Test helpers. all_entries() holds the entries from first_index() on (index 1 on, until
  // a snapshot is installed).
  const std::vector<Entry>& all_entries() const { return entries_; }
  uint64_t persist_count() const { return persist_count_; }

 private:
  HardState hard_state_;
  uint64_t snapshot_index_ = 0, snapshot_term_ = 0;
  std::vector<Entry> entries_;  // entries_[i] has index snapshot_index_+i+1
  uint64_t persist_count_ = 0;
};

}  // namespace larch::consensus
