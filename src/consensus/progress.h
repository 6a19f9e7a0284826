#pragma once
// The leader's view of one follower's log (Raft §5.3 nextIndex/matchIndex) plus the flow
// control state machine of etcd raft:
//   kProbe:     next is a guess; send one append at a time and wait for the answer
//               (or a heartbeat response) before sending another.
//   kReplicate: next is known good; stream appends optimistically, at most
//               max_inflight_msgs unacknowledged.
//   kSnapshot:  the entries the follower needs are compacted away; a snapshot was sent and
//               nothing else is sent until the follower acknowledges it (an accepted append
//               response), the driver reports it failed, or it times out (tick_snapshot).
// Raft thread only.
#include <cstddef>
#include <cstdint>

#include "consensus/inflights.h"

namespace larch::consensus {

enum class ProgressState : uint8_t { kProbe, kReplicate, kSnapshot };

class Progress {
 public:
  Progress(uint64_t next, size_t max_inflight) : next_(next), inflights_(max_inflight) {}

  uint64_t match() const { return match_; }
  uint64_t next() const { return next_; }
  ProgressState state() const { return state_; }
  bool recent_active() const { return recent_active_; }
  const Inflights& inflights() const { return inflights_; }
  // The highest commit index an append to this follower carried (heartbeats, whose commit
  // is capped at match, do not count).
  uint64_t commit_sent() const { return commit_sent_; }
  void note_commit_sent(uint64_t commit) {
    if (commit > commit_sent_) commit_sent_ = commit;
  }

  void set_recent_active(bool active) { recent_active_ = active; }
  void become_probe();
  void become_replicate();
  void become_snapshot();
  // kSnapshot only: counts a heartbeat tick; true once `limit` ticks passed without an
  // answer (the snapshot is presumed lost: probe again, which sends a new one).
  bool tick_snapshot(int limit);

  // The follower acknowledged everything up to n. True if match advanced.
  bool maybe_update(uint64_t n);
  // The follower rejected an append at `rejected`; `match_hint` is the highest index that
  // may still match. False if the rejection is stale (out of order).
  bool maybe_decr_to(uint64_t rejected, uint64_t match_hint);
  // Records that an append with entries up to `last_index` (0 entries: last_index = 0)
  // of `bytes` payload was sent.
  void sent_append(uint64_t last_index, uint64_t bytes);
  // A heartbeat response arrived: a probing leader may send again; a full window frees
  // one slot so a lost append cannot stall the follower forever.
  void on_heartbeat_resp();
  // True when no append should be sent right now.
  bool is_paused() const;

 private:
  uint64_t match_ = 0;
  uint64_t next_;
  ProgressState state_ = ProgressState::kProbe;
  bool probe_sent_ = false;  // kProbe: an append is outstanding
  bool recent_active_ = false;
  int snapshot_ticks_ = 0;
  uint64_t commit_sent_ = 0;
  Inflights inflights_;
};

}  // namespace larch::consensus
