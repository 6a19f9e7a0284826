// RaftCore: the Ready / advance handshake with the driver.
#include <algorithm>

#include "consensus/fatal.h"
#include "consensus/raft_core.h"

namespace larch::consensus {

bool RaftCore::has_ready() const {
  return (pending_snapshot_ && !snapshot_handed_out_) || soft_state() != prev_soft_ ||
         hard_state() != prev_hard_ || log_.has_entries_to_persist() || !msgs_.empty() ||
         log_.has_entries_to_apply() || !read_states_.empty();
}

Ready RaftCore::ready() {
  if (ready_outstanding_) raft_fatal("ready() called again before advance()");
  ready_outstanding_ = true;
  Ready rd;
  if (SoftState ss = soft_state(); ss != prev_soft_) {
    rd.soft_state = ss;
    prev_soft_ = ss;
  }
  if (HardState hs = hard_state(); hs != prev_hard_) {
    rd.hard_state = hs;
    prev_hard_ = hs;
  }
  if (pending_snapshot_ && !snapshot_handed_out_) {
    rd.snapshot = std::move(pending_snapshot_);  // stays engaged: its index is still read
    snapshot_handed_out_ = true;
  }
  rd.entries = log_.take_entries_to_persist();
  // Only entries already handed out for persisting (in this or an earlier Ready) may be
  // applied: the driver persists before it applies.
  rd.committed_entries = log_.take_entries_to_apply(config_.max_committed_bytes_per_ready);
  rd.messages = std::move(msgs_);
  msgs_.clear();
  rd.read_states = std::move(read_states_);
  read_states_.clear();
  return rd;
}

void RaftCore::advance(const Ready& rd) {
  if (!ready_outstanding_) raft_fatal("advance() without a ready()");
  ready_outstanding_ = false;
  if (!rd.entries.empty()) {
    log_.stable_to(rd.entries.back().index, rd.entries.back().term);
    on_self_persisted();  // the leader's own copy now counts towards commit
  }
  if (!rd.committed_entries.empty()) {
    log_.applied_to(rd.committed_entries.back().index);
    if (role_ == Role::kLeader) {
      for (const Entry& e : rd.committed_entries) {
        uncommitted_bytes_ -= std::min<uint64_t>(uncommitted_bytes_, e.data.size());
      }
    }
  }
  if (snapshot_handed_out_) {
    // The driver either installed it (rd.snapshot kept) or could not (cleared it): in both
    // cases it is done with; a leader still waiting resends after its timeout.
    snapshot_handed_out_ = false;
    pending_snapshot_.reset();
  }
  if (rd.snapshot) {
    // The driver installed it (state machine and LogStorage): the log now starts after it.
    log_.restore(rd.snapshot->index, rd.snapshot->term);
    if (lead_ != kNoNode) {
      Message resp;
      resp.type = MessageType::kAppendResp;
      resp.to = lead_;
      resp.index = rd.snapshot->index;  // committed entries: any leader holds them too
      send(std::move(resp));
    }
  }
}

}  // namespace larch::consensus
