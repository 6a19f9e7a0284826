#pragma once
// Raft messages exchanged between members (and the forwarded client requests).
// Plain data; see message_codec.h for the wire format. Field use by type:
//   kAppend        index/log_term = entry preceding `entries`, commit = leader commit.
//   kAppendResp    index = last index now matching (accept) or the rejected index (reject);
//                  reject_hint/log_term = follower's hint for fast backtracking.
//   kVote/kPreVote index/log_term = candidate's last entry; term = proposed term;
//                  context = "transfer" when campaigning because of a leadership transfer.
//   k*VoteResp     reject = vote not granted.
//   kHeartbeat     commit = min(follower match, leader commit); context = read-index round.
//   kHeartbeatResp context echoes the heartbeat's.
//   kTimeoutNow    ask the receiver to campaign at once (leadership transfer).
//   kTransferLeader follower -> leader: hand leadership to me (`from`); the leader decides.
//   kReadIndex     follower -> leader, context = caller's ctx (term 0: a forwarded request).
//   kReadIndexResp leader -> follower, index = read index, context = caller's ctx.
//   kPropose       follower -> leader, entries = the forwarded proposals (term 0).
//   kSnapshot      leader -> follower whose next entry is compacted away. The core emits it
//                  with index/log_term/snapshot empty; the leader's driver fills in the
//                  image of its key space (a file) and the (index, term) it reflects.
//                  The follower answers with a kAppendResp for `index` once installed.
#include <cstdint>
#include <string>
#include <vector>

#include "consensus/types.h"

namespace larch::consensus {

enum class MessageType : uint8_t {
  kAppend = 1,
  kAppendResp = 2,
  kVote = 3,
  kVoteResp = 4,
  kPreVote = 5,
  kPreVoteResp = 6,
  kHeartbeat = 7,
  kHeartbeatResp = 8,
  kTimeoutNow = 9,
  kReadIndex = 10,
  kReadIndexResp = 11,
  kPropose = 12,
  kSnapshot = 13,
  kTransferLeader = 14,
};
constexpr uint8_t kMaxMessageType = 14;

// Context value on vote requests caused by a leadership transfer: lets them through the
// check-quorum lease of the other members (etcd's campaignTransfer).
inline constexpr const char* kTransferContext = "transfer";

struct Message {
  MessageType type = MessageType::kAppend;
  NodeId from = kNoNode;
  NodeId to = kNoNode;
  uint64_t term = 0;
  uint64_t log_term = 0;
  uint64_t index = 0;
  uint64_t commit = 0;
  std::vector<Entry> entries;
  bool reject = false;
  uint64_t reject_hint = 0;
  std::string context;
  // kSnapshot: the state-machine image, opaque to the core. Larch's driver and transport
  // put the path of an image file here (docs/architecture.md "Snapshots"), never the bytes.
  std::string snapshot;
  bool operator==(const Message&) const = default;
};

// Short name for logs and test output ("MsgApp", "MsgVote", ...).
const char* to_string(MessageType type);

}  // namespace larch::consensus
