#pragma once
// The request target a member POSTs its raft messages to; shared by sender and handler.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "consensus/message.h"

namespace larch::transport {

inline constexpr std::string_view kRaftPath = "/raft";
// A snapshot image streamed on a connection of its own (SnapshotSender): the same query as
// kRaftPath's, the kSnapshot message (its `snapshot` empty, encode_messages) in hex in the
// kSnapshotHeader field, and the image file as the body.
inline constexpr std::string_view kRaftSnapshotPath = "/raft/snapshot";
inline constexpr std::string_view kSnapshotHeader = "X-Larch-Snapshot";

// "/raft?cluster=<hex>&from=<hex>", plus "&reply=1" when the sender reads messages from
// the response body (ReplySlot); a member that does not know the parameter ignores it and
// answers 204, so either side may be the older version.
std::string raft_target(uint64_t cluster_id, uint64_t from, bool held_reply = false);
// "/raft/snapshot?cluster=<hex>&from=<hex>".
std::string raft_snapshot_target(uint64_t cluster_id, uint64_t from);

struct RaftTargetParams {
  uint64_t cluster_id = 0;
  uint64_t from = 0;
  bool held_reply = false;
};

// Whether member `self` takes `m` from a batch that peer `from` sent (a POST body, or the
// messages in the response to its own POST): addressed to `self`, sent by `from`, and not a
// snapshot. A delivered snapshot names an image file the receiver installs and then removes,
// so it must be one the receiver's own handler wrote (kRaftSnapshotPath), never a peer's.
inline bool takes_from_batch(const consensus::Message& m, uint64_t self, uint64_t from) {
  return m.to == self && m.from == from && m.type != consensus::MessageType::kSnapshot;
}

// Parses the query part of raft_target's result; nullopt when a parameter is missing or
// not a hex id.
std::optional<RaftTargetParams> parse_raft_query(std::string_view query);

}  // namespace larch::transport
