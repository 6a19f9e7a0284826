#include "consensus/message.h"

namespace larch::consensus {

const char* to_string(MessageType type) {
  switch (type) {
    case MessageType::kAppend:
      return "MsgApp";
    case MessageType::kAppendResp:
      return "MsgAppResp";
    case MessageType::kVote:
      return "MsgVote";
    case MessageType::kVoteResp:
      return "MsgVoteResp";
    case MessageType::kPreVote:
      return "MsgPreVote";
    case MessageType::kPreVoteResp:
      return "MsgPreVoteResp";
    case MessageType::kHeartbeat:
      return "MsgHeartbeat";
    case MessageType::kHeartbeatResp:
      return "MsgHeartbeatResp";
    case MessageType::kTimeoutNow:
      return "MsgTimeoutNow";
    case MessageType::kReadIndex:
      return "MsgReadIndex";
    case MessageType::kReadIndexResp:
      return "MsgReadIndexResp";
    case MessageType::kPropose:
      return "MsgProp";
    case MessageType::kSnapshot:
      return "MsgSnap";
    case MessageType::kTransferLeader:
      return "MsgTransferLeader";
  }
  return "MsgUnknown";
}

}  // namespace larch::consensus
