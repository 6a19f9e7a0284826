#pragma once
// Leader bookkeeping for linearizable reads (Raft thesis §6.4, "ReadIndex"). Requests
// queue up unsent; start_round() puts all of them into one heartbeat round identified by
// an increasing id carried in the heartbeat context. A follower's response to a heartbeat
// of round r proves it still followed this leader after every request of rounds <= r
// arrived, so once a quorum acked r, all rounds <= r are confirmed. Raft thread only.
#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <vector>

#include "consensus/types.h"

namespace larch::consensus {

struct ReadRequest {
  NodeId from = kNoNode;  // who asked (the leader itself for local calls)
  std::string context;    // the caller's opaque id
  uint64_t index = 0;     // leader commit index when the request arrived
};

class ReadOnly {
 public:
  void add(ReadRequest request) { unsent_.push_back(std::move(request)); }
  bool has_unsent() const { return !unsent_.empty(); }
  bool has_round_in_flight() const { return !rounds_.empty(); }
  // Moves every unsent request into a new round; returns its id (> 0).
  uint64_t start_round();
  // Id of the newest round (0 when none): regular heartbeats carry it so they also count.
  uint64_t last_round() const { return rounds_.empty() ? 0 : rounds_.back().id; }
  // `from` answered a heartbeat of round `round`.
  void ack(NodeId from, uint64_t round);
  // Pops the requests of every round acked by a quorum of `voters` (self counts as acked).
  std::vector<ReadRequest> take_confirmed(const std::vector<NodeId>& voters, NodeId self,
                                          size_t quorum);
  // Forgets everything (leadership lost); callers time out and retry.
  void reset();

  static std::string encode_round(uint64_t round) { return std::to_string(round); }
  // 0 when `context` is not a round id.
  static uint64_t decode_round(const std::string& context);

 private:
  struct Round {
    uint64_t id;
    std::vector<ReadRequest> requests;
  };
  std::vector<ReadRequest> unsent_;
  std::deque<Round> rounds_;
  std::map<NodeId, uint64_t> acked_;  // highest round each follower answered
  uint64_t next_round_ = 1;           // never reused, so stale acks can't confirm
};

}  // namespace larch::consensus
