#pragma once
// LeaderAffinity: when a follower takes most of the cluster's client writes, leadership
// should move to it ("leadership follows the writes"). Every write a follower forwards costs
// a hop to the leader and back on top of replication, and the follower's raft thread wakes
// twice per burst of writes (to forward, then to append what the leader sends back); on the
// leader the same writes would only be appended. Clients that talk to one member (etcdctl's
// default endpoint, a local agent) are common, so the member they talk to asks the leader for
// the leadership (RaftCore::request_leadership) once its forwarded writes have dominated for a
// while; the handover is a pause of a few milliseconds (proposals are parked meanwhile, not
// lost).
//
// Pure: the raft thread feeds it counts and times. Guards against flapping: only a sustained
// majority of the writes qualifies (two members cannot both have it), and a member asks at
// most once per cooldown.
#include <cstdint>

namespace larch::server {

class LeaderAffinity {
 public:
  struct Options {
    int64_t window_ns = 250'000'000;       // one measurement window
    int windows = 2;                       // consecutive qualifying windows before asking
    uint64_t min_writes = 100;             // forwarded writes per window, at least
    uint64_t share_percent = 75;           // ... and this share of the entries committed in it
    int64_t cooldown_ns = 30'000'000'000;  // between two requests of this member
  };

  explicit LeaderAffinity(Options options) : options_(options) {}

  // This member forwarded `writes` client writes to the leader.
  void on_forwarded(uint64_t writes) { forwarded_ += writes; }

  // Called periodically (every raft tick). follower: this member is a follower that knows its
  // leader; commit_index: its commit index now. True when it should ask for the leadership
  // now; the caller asks once.
  bool should_ask(int64_t now_ns, bool follower, uint64_t commit_index);

 private:
  void start_window(int64_t now_ns, uint64_t commit_index);

  Options options_;
  bool started_ = false;
  int64_t window_start_ns_ = 0;
  uint64_t window_commit_ = 0;
  uint64_t forwarded_ = 0;
  int streak_ = 0;  // consecutive qualifying windows
  int64_t next_allowed_ns_ = 0;
};

}  // namespace larch::server
