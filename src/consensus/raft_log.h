#pragma once
// The raft log as RaftCore sees it: the stable part in LogStorage followed by the
// "unstable" entries not yet persisted, plus the commit and apply cursors (etcd's raftLog
// + unstable). Entries handed to the driver for persisting stay unstable until
// stable_to() (called from RaftCore::advance) so a crash before the fsync loses nothing
// that was promised. Stable entries not yet applied stay in memory too (the "stable tail",
// up to kStableTailBytes): applying them, or sending them to a follower just behind, then
// needs no read back from storage. Raft thread only.
#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "consensus/log_storage.h"
#include "consensus/types.h"

namespace larch::consensus {

class RaftLog {
 public:
  // Restores from storage; `applied` is where the state machine already is.
  RaftLog(LogStorage& storage, uint64_t applied);

  uint64_t first_index() const { return storage_.first_index(); }
  uint64_t last_index() const;
  uint64_t last_term() const { return term(last_index()).value_or(0); }
  // Term of entry i (i = first_index()-1 allowed); nullopt when compacted or past the end.
  std::optional<uint64_t> term(uint64_t i) const;
  bool match_term(uint64_t i, uint64_t t) const { return term(i) == t; }
  // Raft §5.4.1: is a candidate log ending at (index, term) at least as up to date?
  bool is_up_to_date(uint64_t index, uint64_t term) const;
  // Entries [lo, hi) with at most max_bytes of data (at least one when lo < hi).
  std::vector<Entry> slice(uint64_t lo, uint64_t hi, uint64_t max_bytes) const;

  // Follower side of AppendEntries (§5.3): if the entry at prev_index has prev_term,
  // appends `ents` (dropping what already matches, truncating a conflicting suffix), moves
  // commit to min(leader_commit, last new index) and returns that last new index.
  std::optional<uint64_t> maybe_append(uint64_t prev_index, uint64_t prev_term,
                                       uint64_t leader_commit, const std::vector<Entry>& ents);
  // Appends entries (first index <= last_index()+1), truncating any suffix they replace.
  // A span: a follower appends part of a received message without copying it twice.
  uint64_t append(std::span<const Entry> ents);
  // The same, moving the entries in (a leader's own proposals).
  uint64_t append(std::vector<Entry>&& ents);
  // Largest i <= index with term(i) <= t (fast backtracking, etcd findConflictByTerm);
  // returns (i, term(i)).
  std::pair<uint64_t, uint64_t> find_conflict_by_term(uint64_t index, uint64_t t) const;

  uint64_t committed() const { return committed_; }
  uint64_t applied() const { return applied_; }
  void commit_to(uint64_t i);
  // Leader: commit max_index if its entry is of term t (§5.4.2). True if commit moved.
  bool maybe_commit(uint64_t max_index, uint64_t t);

  // Persistence handshake.
  bool has_entries_to_persist() const { return in_progress_ <= last_unstable_index(); }
  // Unstable entries not yet handed out; marks them as being persisted.
  std::vector<Entry> take_entries_to_persist();
  // The driver persisted entries up to (i, t): drop them from the unstable part.
  void stable_to(uint64_t i, uint64_t t);
  // Highest index known durable and consistent with this log.
  uint64_t persisted_index() const { return offset_ - 1; }

  // Apply handshake: committed entries that were already handed out for persisting.
  bool has_entries_to_apply() const { return applied_ < apply_limit(); }
  // The next committed entries to apply (at least one when there are any, at most about
  // max_bytes). Those in the stable tail are moved out of it: the caller applies them.
  std::vector<Entry> take_entries_to_apply(uint64_t max_bytes);
  void applied_to(uint64_t i);
  // A snapshot up to (index, term) was installed in the state machine and in storage
  // (storage.first_index() == index + 1): drop the unstable part and move commit/applied.
  void restore(uint64_t index, uint64_t term);

 private:
  template <typename It>
  uint64_t append_range(It first, It last);
  uint64_t last_unstable_index() const { return offset_ + unstable_.size() - 1; }
  uint64_t apply_limit() const;
  uint64_t find_conflict(const std::vector<Entry>& ents) const;
  uint64_t tail_first() const { return offset_ - tail_.size(); }
  void pop_tail_front();

  // Bounds the stable tail's memory when commit lags far behind what is stable.
  static constexpr uint64_t kStableTailBytes = 64u << 20;

  LogStorage& storage_;
  std::vector<Entry> unstable_;  // entries at [offset_, offset_ + size)
  std::deque<Entry> tail_;       // stable entries at [offset_ - size, offset_), not applied
  uint64_t tail_bytes_ = 0;
  uint64_t offset_;       // index of unstable_[0]; everything below is stable
  uint64_t in_progress_;  // first unstable index not yet handed out for persisting
  uint64_t committed_;
  uint64_t applied_;
};

}  // namespace larch::consensus
