// RaftCore: parked proposals — client proposals (local or forwarded by other members) that
// arrived when no leader could take them: during an election, or on a leader busy handing
// over its leadership. etcd drops them and its clients wait for their request timeout;
// holding them for a short while turns a planned leadership transfer, and most elections,
// into a pause instead of failed writes. Nothing here touches the log or the term: parked
// entries are only data until a leader appends them.
#include "consensus/raft_core.h"

namespace larch::consensus {

bool RaftCore::park(std::vector<Entry> entries) {
  uint64_t bytes = 0;
  for (const Entry& e : entries) bytes += e.data.size();
  if (config_.max_uncommitted_bytes > 0 && parked_bytes_ + bytes > config_.max_uncommitted_bytes) {
    return false;
  }
  if (parked_.empty()) parked_elapsed_ = 0;
  parked_bytes_ += bytes;
  for (Entry& e : entries) parked_.push_back(std::move(e));
  return true;
}

void RaftCore::release_parked() {
  if (parked_.empty()) return;
  bool leader_takes = role_ == Role::kLeader && accepts_proposals();
  bool can_forward = role_ == Role::kFollower && lead_ != kNoNode;
  if (!leader_takes && !can_forward) return;
  std::vector<Entry> entries;
  entries.swap(parked_);
  parked_bytes_ = 0;
  if (leader_takes) {
    append_forwarded(entries);
  } else {
    forward_entries(std::move(entries));
  }
}

void RaftCore::tick_parked() {
  if (parked_.empty()) return;
  // Two election timeouts: long enough for an election or a transfer to finish, short
  // enough that a proposal is not applied long after its client was told it timed out.
  if (++parked_elapsed_ >= 2 * config_.election_tick) {
    parked_.clear();
    parked_bytes_ = 0;
    return;
  }
  release_parked();
}

}  // namespace larch::consensus
