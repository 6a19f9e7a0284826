#pragma once
// consensus::LogStorage on its own SQLite file (WAL, synchronous=FULL): persist() is one
// transaction and is durable when it returns. Also keeps the snapshot marker (index/term of
// the last compaction) so term(snapshot_index) still answers. Terms are cached in memory as
// runs (term changes are rare), so term() never touches SQLite.
// Called only from the raft thread.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "consensus/log_storage.h"

namespace larch::store {

class SqliteLogStorage final : public consensus::LogStorage {
 public:
  // Opens or creates the log at path. Throws std::runtime_error with a clear message on a
  // non-SQLite / corrupt file, another program's database, a Larch key-space file, or a
  // newer format.
  explicit SqliteLogStorage(const std::string& path);
  ~SqliteLogStorage() override;

  consensus::HardState hard_state() const override;
  uint64_t first_index() const override;
  uint64_t last_index() const override;
  std::optional<uint64_t> term(uint64_t i) const override;
  // Entries [lo, hi) clipped to what is held; empty when lo < first_index() (compacted).
  std::vector<consensus::Entry> entries(uint64_t lo, uint64_t hi,
                                        uint64_t max_bytes) const override;
  // Entries at or below snapshot_index() are ignored; a gap after last_index() is a caller
  // bug (std::logic_error). Throws std::runtime_error on I/O failure (fail fast).
  void persist(const consensus::HardState& hs,
               const std::vector<consensus::Entry>& entries) override;

  // Drops every entry <= upto_index: the state machine holds a snapshot there. If the held
  // entry at upto_index has term upto_term, later entries are kept; otherwise (e.g. an
  // installed snapshot from the leader) the whole log is discarded (Raft §7). No-op when
  // upto_index <= snapshot_index(). Durable when it returns. The dropped entries are gone
  // for every reader at once; their rows leave the file a chunk per later persist() (more
  // rows than it appends), so a compaction costs one small transaction instead of a stall.
  void compact(uint64_t upto_index, uint64_t upto_term);
  // See consensus::LogStorage: drops every entry, snapshot point := (index, term), commit
  // raised to >= index; one transaction (synchronous=FULL: durable when it returns).
  void install_snapshot(uint64_t index, uint64_t term) override;
  uint64_t snapshot_index() const;
  uint64_t snapshot_term() const;
  // Rows of dropped entries (at or below snapshot_index()) that may still be in the file: an
  // upper bound (an installed snapshot beyond the log's end counts indexes that never had a
  // row).
  uint64_t dead_rows() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace larch::store
