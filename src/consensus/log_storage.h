#pragma once
// The stable (persisted) part of the raft log, as RaftCore sees it.
// Real implementation: store::SqliteLogStorage; in-memory twin: consensus::MemoryLogStorage.
// Called only from the raft thread.
#include <cstdint>
#include <optional>
#include <vector>

#include "consensus/types.h"

namespace larch::consensus {

class LogStorage {
 public:
  virtual ~LogStorage() = default;
  // State as of the last successful persist.
  virtual HardState hard_state() const = 0;
  // Index of the first entry still held (snapshot index + 1; 1 on a fresh log).
  virtual uint64_t first_index() const = 0;
  // Index of the last entry held (first_index()-1 when empty).
  virtual uint64_t last_index() const = 0;
  // Term of entry i for snapshot_index <= i <= last_index; nullopt if compacted or unknown.
  virtual std::optional<uint64_t> term(uint64_t i) const = 0;
  // Entries [lo, hi), at most max_bytes of data (always at least one entry when lo < hi).
  virtual std::vector<Entry> entries(uint64_t lo, uint64_t hi, uint64_t max_bytes) const = 0;

  // Durably appends entries (replacing any held entries at >= entries.front().index) and
  // stores hs, as one atomic, fsynced step. Either may be empty / unchanged.
  virtual void persist(const HardState& hs, const std::vector<Entry>& entries) = 0;

  // The state machine now holds a snapshot at (index, term) (installed from the leader):
  // drops every held entry (Raft §7: the log is replaced by the snapshot) and sets the
  // snapshot point, so afterwards first_index() == index+1, last_index() == index and
  // term(index) == term. Raises the stored commit to at least index (a snapshot only holds
  // committed entries); term and vote are unchanged. One atomic, fsynced step. The caller
  // installs only snapshots beyond its commit index, and after the state machine itself
  // holds the snapshot durably (else a crash would leave a log that starts past it).
  virtual void install_snapshot(uint64_t index, uint64_t term) = 0;
};

}  // namespace larch::consensus
