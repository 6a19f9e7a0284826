#pragma once
// Outcome of a client-facing RaftCore call (propose, read_index, transfer_leadership).
#include <cstdint>

#include "consensus/types.h"

namespace larch::consensus {

enum class RequestOutcome : uint8_t {
  kAccepted,   // this node is leader and took the request (index/term set for proposals)
  kForwarded,  // follower: sent to `leader` inside a raft message (may still be lost)
  kNotLeader,  // the call needs the leader (transfer_leadership); `leader` is the hint
  kNoLeader,   // no known leader right now (election in progress): retry later
  kParked,     // proposal held until a leader can take it (see RaftCore::propose)
  kDropped,    // refused: too many uncommitted (or parked) bytes, bad argument
};

struct RequestResult {
  RequestOutcome outcome = RequestOutcome::kNoLeader;
  NodeId leader = kNoNode;  // the leader as this node knows it
  uint64_t index = 0;       // kAccepted proposal: log index it was appended at
  uint64_t term = 0;        // kAccepted proposal: term it was appended in
  bool accepted() const { return outcome == RequestOutcome::kAccepted; }
};

}  // namespace larch::consensus
