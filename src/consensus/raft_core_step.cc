// RaftCore: message intake, term rules, voting, and the follower / candidate roles.
#include <algorithm>

#include "consensus/raft_core.h"

namespace larch::consensus {
namespace {

bool is_vote_request(MessageType t) {
  return t == MessageType::kVote || t == MessageType::kPreVote;
}

bool is_vote_response(MessageType t) {
  return t == MessageType::kVoteResp || t == MessageType::kPreVoteResp;
}

}  // namespace

void RaftCore::step(const Message& m) {
  if (m.to != config_.id || m.from == config_.id || m.from == kNoNode) return;
  if (!step_term(m)) return;
  if (is_vote_request(m.type)) {
    handle_vote_request(m);
    return;
  }
  switch (role_) {
    case Role::kLeader:
      step_leader(m);
      break;
    case Role::kFollower:
      step_follower(m);
      break;
    case Role::kPreCandidate:
    case Role::kCandidate:
      step_candidate(m);
      break;
  }
  // The message may have told us the leader (or made us one): parked proposals can go.
  if (!parked_.empty()) release_parked();
}

// Applies the term rules (§5.1) plus pre-vote / check-quorum refinements. Returns false
// when the message must be dropped.
bool RaftCore::step_term(const Message& m) {
  if (m.term == 0) return true;  // forwarded client requests carry no term
  if (m.term > term_) {
    if (is_vote_request(m.type)) {
      // Lease (thesis §4.2.3): while we hear from a live leader, ignore candidates, so a
      // member that was partitioned away cannot depose a healthy leader. A transfer
      // explicitly asks to bypass it.
      bool in_lease =
          config_.check_quorum && lead_ != kNoNode && election_elapsed_ < config_.election_tick;
      if (in_lease && m.context != kTransferContext) return false;
    }
    if (m.type == MessageType::kPreVote || (m.type == MessageType::kPreVoteResp && !m.reject)) {
      // Pre-votes never change our term; a granted pre-vote carries the future term.
    } else if (m.type == MessageType::kAppend || m.type == MessageType::kHeartbeat ||
               m.type == MessageType::kSnapshot) {
      become_follower(m.term, m.from);
    } else {
      become_follower(m.term, kNoNode);
    }
    return true;
  }
  if (m.term < term_) {
    answer_stale_term(m);
    return false;
  }
  return true;
}

void RaftCore::answer_stale_term(const Message& m) {
  if ((config_.check_quorum || config_.pre_vote) &&
      (m.type == MessageType::kAppend || m.type == MessageType::kHeartbeat)) {
    // A leader of an old term: our term may have risen while we were cut off, and with
    // check-quorum / pre-vote it would never hear a vote from us. Tell it the term so it
    // steps down instead of both sides being stuck.
    Message resp;
    resp.type = MessageType::kAppendResp;
    resp.to = m.from;
    send(std::move(resp));
  } else if (m.type == MessageType::kPreVote) {
    Message resp;
    resp.type = MessageType::kPreVoteResp;
    resp.to = m.from;
    resp.term = term_;
    resp.reject = true;
    send(std::move(resp));
  }
}

void RaftCore::handle_vote_request(const Message& m) {
  bool pre = m.type == MessageType::kPreVote;
  bool can_vote =
      vote_ == m.from || (vote_ == kNoNode && lead_ == kNoNode) || (pre && m.term > term_);
  Message resp;
  resp.type = pre ? MessageType::kPreVoteResp : MessageType::kVoteResp;
  resp.to = m.from;
  if (can_vote && log_.is_up_to_date(m.index, m.log_term)) {  // §5.4.1 election restriction
    resp.term = m.term;
    if (!pre) {
      election_elapsed_ = 0;
      vote_ = m.from;  // persisted (Ready.hard_state) before the response is sent
    }
  } else {
    resp.term = term_;
    resp.reject = true;
  }
  send(std::move(resp));
}

void RaftCore::step_follower(const Message& m) {
  switch (m.type) {
    case MessageType::kPropose:
      if (lead_ != kNoNode) {
        forward_to_leader(m);
      } else {
        park(m.entries);
      }
      break;
    case MessageType::kAppend:
      election_elapsed_ = 0;
      lead_ = m.from;
      handle_append(m);
      break;
    case MessageType::kHeartbeat:
      election_elapsed_ = 0;
      lead_ = m.from;
      handle_heartbeat(m);
      break;
    case MessageType::kSnapshot:
      election_elapsed_ = 0;
      lead_ = m.from;
      handle_snapshot(m);
      break;
    case MessageType::kTimeoutNow:
      start_campaign(CampaignKind::kTransfer);  // skips pre-vote: the leader asked us
      break;
    case MessageType::kReadIndexResp:
      read_states_.push_back({m.index, m.context});
      break;
    default:
      // kReadIndex aimed at a former leader is dropped: re-forwarding would make the
      // answer go to us instead of the asker. The asker times out and retries.
      break;
  }
}

void RaftCore::step_candidate(const Message& m) {
  MessageType my_resp =
      role_ == Role::kPreCandidate ? MessageType::kPreVoteResp : MessageType::kVoteResp;
  switch (m.type) {
    case MessageType::kAppend:
      become_follower(m.term, m.from);  // someone else won this term
      handle_append(m);
      break;
    case MessageType::kHeartbeat:
      become_follower(m.term, m.from);
      handle_heartbeat(m);
      break;
    case MessageType::kSnapshot:
      become_follower(m.term, m.from);
      handle_snapshot(m);
      break;
    case MessageType::kReadIndexResp:
      read_states_.push_back({m.index, m.context});  // confirmed by a leader: still valid
      break;
    case MessageType::kPropose:
      park(m.entries);  // forwarded to us as leader before this election
      break;
    default:
      if (!is_vote_response(m.type) || m.type != my_resp) break;
      switch (poll(m.from, !m.reject)) {
        case VoteResult::kWon:
          if (role_ == Role::kPreCandidate) {
            start_campaign(CampaignKind::kElection);
          } else {
            become_leader();
          }
          break;
        case VoteResult::kLost:
          become_follower(term_, kNoNode);
          break;
        case VoteResult::kPending:
          break;
      }
      break;
  }
}

// AppendEntries receiver (§5.3), with etcd's fast-backtracking hint on rejection.
void RaftCore::handle_append(const Message& m) {
  Message resp;
  resp.type = MessageType::kAppendResp;
  resp.to = m.from;
  if (m.index < log_.committed()) {
    resp.index = log_.committed();  // everything up to our commit is known to match
  } else if (auto last_new = log_.maybe_append(m.index, m.log_term, m.commit, m.entries)) {
    resp.index = *last_new;
  } else {
    uint64_t hint = std::min(m.index, log_.last_index());
    auto [hint_index, hint_term] = log_.find_conflict_by_term(hint, m.log_term);
    resp.index = m.index;
    resp.reject = true;
    resp.reject_hint = hint_index;
    resp.log_term = hint_term;
  }
  send(std::move(resp));
}

void RaftCore::handle_snapshot(const Message& m) {
  if (pending_snapshot_ && m.index <= pending_snapshot_->index) return;  // ack follows install
  Message resp;
  resp.type = MessageType::kAppendResp;
  resp.to = m.from;
  if (m.index <= log_.committed()) {
    resp.index = log_.committed();  // nothing new in it
  } else if (log_.match_term(m.index, m.log_term)) {
    log_.commit_to(m.index);  // we hold that entry already: no need to install anything
    resp.index = m.index;
  } else {
    // Install it: the driver replaces the state machine and the log (Ready::snapshot), and
    // advance() restores the in-memory log and acknowledges.
    pending_snapshot_ = SnapshotToInstall{m.index, m.log_term, m.snapshot};
    snapshot_handed_out_ = false;
    return;
  }
  send(std::move(resp));
}

void RaftCore::handle_heartbeat(const Message& m) {
  log_.commit_to(m.commit);  // the leader never sends more than our match
  Message resp;
  resp.type = MessageType::kHeartbeatResp;
  resp.to = m.from;
  resp.context = m.context;
  send(std::move(resp));
}

void RaftCore::send(Message m) {
  m.from = config_.id;
  switch (m.type) {
    case MessageType::kVote:
    case MessageType::kVoteResp:
    case MessageType::kPreVote:
    case MessageType::kPreVoteResp:
      break;  // the term was chosen by the caller
    case MessageType::kPropose:
    case MessageType::kReadIndex:
      m.term = 0;  // forwarded requests are term-less, like local calls on the leader
      break;
    default:
      m.term = term_;
  }
  msgs_.push_back(std::move(m));
}

void RaftCore::forward_to_leader(Message m) {
  m.to = lead_;
  send(std::move(m));
}

void RaftCore::forward_entries(std::vector<Entry> entries) {
  Message m;
  m.type = MessageType::kPropose;
  m.entries = std::move(entries);
  forward_to_leader(std::move(m));
}

}  // namespace larch::consensus
