#pragma once
// Static configuration of one RaftCore.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "consensus/types.h"

namespace larch::consensus {

struct RaftConfig {
  NodeId id = kNoNode;                  // this member, non-zero
  std::vector<NodeId> voters;           // all voting members, including `id` to be promotable
  int election_tick = 10;               // followers campaign after [election_tick, 2*election_tick)
  int heartbeat_tick = 1;               // leader heartbeats every heartbeat_tick ticks
  bool pre_vote = true;                 // Raft thesis §9.6: don't disrupt with a doomed election
  bool check_quorum = true;             // leader steps down without a live quorum; voter lease
  size_t max_inflight_msgs = 256;       // unacked appends per follower in replicate state
  uint64_t max_size_per_msg = 1 << 20;  // entry bytes per append message (>= 1 entry)
  uint64_t max_uncommitted_bytes = 0;   // leader drops proposals beyond this; 0 = no limit
  uint64_t max_committed_bytes_per_ready = 64u << 20;  // apply batch size (>= 1 entry)
  uint64_t applied = 0;  // last index the state machine already applied (restart);
                         // must not exceed the stored commit index (fatal otherwise)
};

// nullopt when usable, else a human-readable reason.
std::optional<std::string> validate(const RaftConfig& config);

}  // namespace larch::consensus
