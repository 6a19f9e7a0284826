#include "consensus/raft_config.h"

#include <algorithm>

namespace larch::consensus {

std::optional<std::string> validate(const RaftConfig& c) {
  if (c.id == kNoNode) return "id must be non-zero";
  if (c.heartbeat_tick <= 0) return "heartbeat_tick must be positive";
  if (c.election_tick <= c.heartbeat_tick) return "election_tick must exceed heartbeat_tick";
  if (c.max_inflight_msgs == 0) return "max_inflight_msgs must be positive";
  if (c.voters.empty()) return "voters must not be empty";
  if (std::find(c.voters.begin(), c.voters.end(), kNoNode) != c.voters.end()) {
    return "voter id 0 is reserved";
  }
  std::vector<NodeId> sorted = c.voters;
  std::sort(sorted.begin(), sorted.end());
  if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end()) {
    return "duplicate voter id";
  }
  return std::nullopt;
}

}  // namespace larch::consensus
