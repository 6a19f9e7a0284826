// RaftCore: linearizable reads via ReadIndex (Raft thesis §6.4).
#include "consensus/raft_core.h"

namespace larch::consensus {

RequestResult RaftCore::read_index(std::string context) {
  if (role_ != Role::kLeader) {
    if (lead_ == kNoNode) return {RequestOutcome::kNoLeader, kNoNode};
    Message m;
    m.type = MessageType::kReadIndex;
    m.context = std::move(context);
    forward_to_leader(std::move(m));
    return {RequestOutcome::kForwarded, lead_};
  }
  handle_read_request(config_.id, std::move(context));
  return {RequestOutcome::kAccepted, lead_};
}

bool RaftCore::committed_entry_in_current_term() const {
  return log_.term(log_.committed()) == term_;
}

void RaftCore::handle_read_request(NodeId from, std::string context) {
  // Until an entry of this term commits, our commit index may lag entries a previous
  // leader committed, so it is not a safe read point yet (§6.4 step 1).
  if (!committed_entry_in_current_term()) {
    reads_awaiting_commit_.push_back({from, std::move(context), 0});
    return;
  }
  ReadRequest request{from, std::move(context), log_.committed()};
  if (quorum() == 1 && promotable()) {  // the only voter: nobody else could have been elected
    answer_read(std::move(request));
    return;
  }
  read_only_.add(std::move(request));
  // Batch: while a round is in flight, new requests wait for the next one (started when
  // the current round is confirmed, or at the next heartbeat tick).
  if (!read_only_.has_round_in_flight()) start_read_round();
}

void RaftCore::start_read_round() {
  read_only_.start_round();
  bcast_heartbeat();
}

void RaftCore::handle_heartbeat_resp(const Message& m, Progress& pr) {
  pr.on_heartbeat_resp();
  if (pr.match() < log_.last_index()) send_append(m.from, true);
  uint64_t round = ReadOnly::decode_round(m.context);
  if (round == 0) return;
  read_only_.ack(m.from, round);
  release_confirmed_reads();
}

void RaftCore::release_confirmed_reads() {
  for (ReadRequest& r : read_only_.take_confirmed(config_.voters, config_.id, quorum())) {
    answer_read(std::move(r));
  }
  if (read_only_.has_unsent() && !read_only_.has_round_in_flight()) start_read_round();
}

void RaftCore::answer_read(ReadRequest request) {
  if (request.from == config_.id) {
    read_states_.push_back({request.index, std::move(request.context)});
    return;
  }
  Message m;
  m.type = MessageType::kReadIndexResp;
  m.to = request.from;
  m.index = request.index;
  m.context = std::move(request.context);
  send(std::move(m));
}

}  // namespace larch::consensus
