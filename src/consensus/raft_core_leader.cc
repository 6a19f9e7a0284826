// RaftCore: the leader role — proposals, replication with flow control, commit,
// check-quorum and leadership transfer (§5.3, §5.4, thesis §3.10).
#include <algorithm>
#include <functional>

#include "consensus/raft_core.h"

namespace larch::consensus {

RequestResult RaftCore::propose(std::string data) {
  std::vector<std::string> one;
  one.push_back(std::move(data));
  return propose(std::move(one));
}

RequestResult RaftCore::propose(std::vector<std::string> batch) {
  if (batch.empty()) return {RequestOutcome::kDropped, lead_};
  std::vector<Entry> entries;
  entries.reserve(batch.size());
  for (std::string& data : batch)
    entries.push_back(Entry{0, 0, EntryType::kNormal, std::move(data)});
  if (role_ != Role::kLeader && lead_ != kNoNode) {
    forward_entries(std::move(entries));
    return {RequestOutcome::kForwarded, lead_};
  }
  // No leader to forward to, or (leader) a transfer in progress, during which new entries
  // would keep the transferee from catching up: held until a leader can take them.
  if (role_ != Role::kLeader || !accepts_proposals()) {
    if (!park(std::move(entries))) return {RequestOutcome::kDropped, lead_};
    return {RequestOutcome::kParked, lead_};
  }
  if (!append_entries(std::move(entries))) return {RequestOutcome::kDropped, lead_};
  // One append per follower for the whole batch (one per entry would multiply every
  // per-message cost: encoding, the follower's handling, its ack, the commit check).
  bcast_append();
  return {RequestOutcome::kAccepted, lead_, log_.last_index(), term_};
}

RequestResult RaftCore::propose_conf_change(const ConfChange& cc) {
  Entry e{0, 0, EntryType::kConfChange, encode_conf_change(cc)};
  if (role_ != Role::kLeader) {
    if (lead_ == kNoNode) return {RequestOutcome::kNoLeader, kNoNode};
    forward_entries({std::move(e)});
    return {RequestOutcome::kForwarded, lead_};
  }
  if (!accepts_proposals() || pending_conf_index_ > log_.applied()) {
    return {RequestOutcome::kDropped, lead_};
  }
  if (!append_entries({std::move(e)})) return {RequestOutcome::kDropped, lead_};
  pending_conf_index_ = log_.last_index();
  bcast_append();
  return {RequestOutcome::kAccepted, lead_, log_.last_index(), term_};
}

std::vector<NodeId> RaftCore::apply_conf_change(const ConfChange& cc) {
  removing_self_ = false;  // the one pending change is applied (if it removed us: !promotable)
  auto& voters = config_.voters;
  bool present = std::find(voters.begin(), voters.end(), cc.node) != voters.end();
  if (cc.type == ConfChangeType::kAddNode && !present) {
    voters.push_back(cc.node);
    std::sort(voters.begin(), voters.end());
    if (role_ == Role::kLeader) {
      Progress pr(log_.last_index() + 1, config_.max_inflight_msgs);
      pr.set_recent_active(true);  // give it an election timeout to answer
      progress_.emplace(cc.node, std::move(pr));
      send_append(cc.node, true);
    }
  } else if (cc.type == ConfChangeType::kRemoveNode && present && voters.size() > 1) {
    // (Removing the last voter would leave no configuration at all: ignored, on every member
    // alike since they all apply the same entries to the same voters.)
    voters.erase(std::find(voters.begin(), voters.end(), cc.node));
    if (role_ == Role::kLeader) {
      progress_.erase(cc.node);
      if (lead_transferee_ == cc.node) abort_leader_transfer();
      if (maybe_commit()) {
        // A smaller quorum may already hold entries the old one did not.
        on_commit_advanced();
        bcast_append();
      }
      // A leader that removed itself keeps leading (without counting itself) until a
      // remaining voter takes over: stepping down at once could leave the others unaware that
      // the removal committed, still needing its vote, which its longer log would refuse.
      hand_over_if_removed();
    }
  }
  return voters;
}

void RaftCore::set_voters(std::vector<NodeId> voters) {
  RaftConfig next = config_;
  next.voters = std::move(voters);
  if (validate(next)) return;
  std::sort(next.voters.begin(), next.voters.end());
  std::vector<NodeId> before = config_.voters;
  for (NodeId v : before) {
    if (!std::binary_search(next.voters.begin(), next.voters.end(), v)) {
      apply_conf_change(ConfChange{ConfChangeType::kRemoveNode, v, {}});
    }
  }
  for (NodeId v : next.voters) apply_conf_change(ConfChange{ConfChangeType::kAddNode, v, {}});
}

void RaftCore::note_pending_self_removal(const std::vector<Entry>& entries) {
  for (const Entry& e : entries) {
    if (e.type != EntryType::kConfChange) continue;
    auto cc = decode_conf_change(e.data);
    if (cc && cc->type == ConfChangeType::kRemoveNode && cc->node == config_.id) {
      removing_self_ = true;
    }
  }
}

void RaftCore::hand_over_if_removed() {
  if (role_ != Role::kLeader || promotable() || lead_transferee_ != kNoNode) return;
  NodeId best = kNoNode;
  uint64_t best_match = 0;
  for (NodeId v : config_.voters) {
    uint64_t match = progress_.at(v).match();
    if (best == kNoNode || match > best_match) {
      best = v;
      best_match = match;
    }
  }
  if (best != kNoNode) transfer_leadership(best);
}

RequestResult RaftCore::request_leadership() {
  if (role_ == Role::kLeader) return {RequestOutcome::kAccepted, lead_};
  if (lead_ == kNoNode || !promotable()) return {RequestOutcome::kNoLeader, lead_};
  Message m;
  m.type = MessageType::kTransferLeader;
  forward_to_leader(std::move(m));
  return {RequestOutcome::kForwarded, lead_};
}

RequestResult RaftCore::transfer_leadership(NodeId target) {
  if (role_ != Role::kLeader) return {RequestOutcome::kNotLeader, lead_};
  if (target == config_.id) return {RequestOutcome::kAccepted, lead_};
  auto it = progress_.find(target);
  if (it == progress_.end()) return {RequestOutcome::kDropped, lead_};
  if (lead_transferee_ == target) return {RequestOutcome::kAccepted, lead_};
  lead_transferee_ = target;
  election_elapsed_ = 0;  // the transfer must finish within one election timeout
  if (it->second.match() == log_.last_index()) {
    send_timeout_now(target);
  } else {
    send_append(target, true);  // TimeoutNow follows once it has caught up
  }
  return {RequestOutcome::kAccepted, lead_};
}

void RaftCore::step_leader(const Message& m) {
  if (m.type == MessageType::kPropose) {
    if (m.entries.empty()) return;
    if (accepts_proposals()) {
      append_forwarded(m.entries);
    } else {
      park(m.entries);  // kept for whoever leads after the transfer
    }
    return;
  }
  if (m.type == MessageType::kTransferLeader) {
    if (accepts_proposals()) transfer_leadership(m.from);  // ignores non-members
    return;
  }
  if (m.type == MessageType::kReadIndex) {
    handle_read_request(m.from, m.context);
    return;
  }
  auto it = progress_.find(m.from);
  if (it == progress_.end()) return;
  Progress& pr = it->second;
  if (m.type == MessageType::kAppendResp) {
    pr.set_recent_active(true);
    handle_append_resp(m, pr);
  } else if (m.type == MessageType::kHeartbeatResp) {
    pr.set_recent_active(true);
    handle_heartbeat_resp(m, pr);
  }
}

void RaftCore::append_forwarded(const std::vector<Entry>& entries) {
  std::vector<Entry> ents;
  uint64_t conf_index = 0;
  for (const Entry& e : entries) {
    if (e.type == EntryType::kConfChange) {
      // One change at a time: a second one becomes a no-op, as in etcd.
      if (pending_conf_index_ > log_.applied() || conf_index != 0) {
        ents.push_back(Entry{});
        continue;
      }
      conf_index = log_.last_index() + ents.size() + 1;
    }
    ents.push_back(Entry{0, 0, e.type, e.data});
  }
  if (append_entries(std::move(ents))) {
    if (conf_index != 0) pending_conf_index_ = conf_index;
    bcast_append();
  }
}

void RaftCore::handle_append_resp(const Message& m, Progress& pr) {
  if (m.reject) {
    if (pr.state() == ProgressState::kSnapshot) return;  // stale: a snapshot is on its way
    // Skip every entry of a term the follower cannot have (fast backtracking).
    uint64_t next_probe = m.reject_hint;
    if (m.log_term > 0) next_probe = log_.find_conflict_by_term(m.reject_hint, m.log_term).first;
    if (pr.maybe_decr_to(m.index, next_probe)) {
      if (pr.state() == ProgressState::kReplicate) pr.become_probe();
      send_append(m.from, true);
    }
    return;
  }
  bool was_paused = pr.is_paused();
  bool updated = pr.maybe_update(m.index);
  bool probe_hit = pr.state() != ProgressState::kReplicate && pr.match() == m.index;
  if (!updated && !probe_hit) return;  // duplicate or stale ack
  // From kSnapshot: the follower installed a snapshot up to m.index (or already had it).
  if (pr.state() != ProgressState::kReplicate) pr.become_replicate();
  if (maybe_commit()) {
    on_commit_advanced();
    bcast_commit();
  } else if (was_paused) {
    send_append(m.from, true);
  }
  while (send_append(m.from, false)) {
  }
  // The last answer this follower owed: the commit index it was spared meanwhile (see
  // bcast_commit) goes now, unless an append carried it.
  if (!awaits_ack(pr) && pr.commit_sent() < log_.committed()) send_append(m.from, true);
  if (m.from == lead_transferee_ && pr.match() == log_.last_index()) send_timeout_now(m.from);
}

bool RaftCore::append_entries(std::vector<Entry> entries) {
  uint64_t bytes = 0;
  for (const Entry& e : entries) bytes += e.data.size();
  // An empty budget always admits one batch so a single large entry cannot wedge us.
  if (config_.max_uncommitted_bytes != 0 && uncommitted_bytes_ > 0 &&
      uncommitted_bytes_ + bytes > config_.max_uncommitted_bytes) {
    return false;
  }
  uint64_t index = log_.last_index();
  for (Entry& e : entries) {
    e.term = term_;
    e.index = ++index;
  }
  note_pending_self_removal(entries);
  uncommitted_bytes_ += bytes;
  // The leader's own progress is NOT advanced here: only advance(), after the driver
  // persisted the entries, counts them, so a commit never relies on an unsynced copy.
  log_.append(std::move(entries));
  return true;
}

bool RaftCore::send_append(NodeId to, bool send_if_empty) {
  Progress& pr = progress_.at(to);
  if (pr.is_paused()) return false;
  std::optional<uint64_t> prev_term = log_.term(pr.next() - 1);
  if (!prev_term || pr.next() < log_.first_index()) return send_snapshot(to);
  Message m;
  m.type = MessageType::kAppend;
  m.to = to;
  m.index = pr.next() - 1;
  m.log_term = *prev_term;
  m.entries = log_.slice(pr.next(), log_.last_index() + 1, config_.max_size_per_msg);
  if (m.entries.empty() && !send_if_empty) return false;
  m.commit = log_.committed();
  pr.note_commit_sent(m.commit);
  uint64_t bytes = 0;
  for (const Entry& e : m.entries) bytes += e.data.size();
  pr.sent_append(m.entries.empty() ? 0 : m.entries.back().index, bytes);
  send(std::move(m));
  return true;
}

bool RaftCore::send_snapshot(NodeId to) {
  Progress& pr = progress_.at(to);
  // A member we have not heard from lately is probably down: do not make an image for it.
  if (!pr.recent_active()) return false;
  Message m;
  m.type = MessageType::kSnapshot;
  m.to = to;
  pr.become_snapshot();
  send(std::move(m));
  return true;
}

void RaftCore::report_snapshot_failure(NodeId to) {
  if (role_ != Role::kLeader) return;
  auto it = progress_.find(to);
  if (it != progress_.end() && it->second.state() == ProgressState::kSnapshot) {
    it->second.become_probe();  // the next append attempt sends a new snapshot
  }
}

void RaftCore::bcast_append() {
  for (NodeId v : config_.voters) {
    if (v != config_.id) send_append(v, true);
  }
}

// A new commit index reaches a follower with the next append it is sent anyway. One that
// only carries the commit index goes at once to followers that owe no answer; one that does
// owe an answer gets it with that answer (handle_append_resp) unless new entries carried it
// first. Under a steady write load that spares an append per follower per commit (each a
// peer POST and a raft-thread wake-up on both sides): the next batch's append, sent as its
// proposals arrive, carries the commit. A follower learns a commit at the latest one
// round trip after it was made.
void RaftCore::bcast_commit() {
  for (NodeId v : config_.voters) {
    if (v != config_.id && !awaits_ack(progress_.at(v))) send_append(v, true);
  }
}

bool RaftCore::awaits_ack(const Progress& pr) const {
  return pr.state() == ProgressState::kReplicate && pr.inflights().count() > 0;
}

void RaftCore::send_heartbeat(NodeId to, const std::string& context) {
  Message m;
  m.type = MessageType::kHeartbeat;
  m.to = to;
  // Never ahead of the follower's match: it may not have those entries yet.
  m.commit = std::min(progress_.at(to).match(), log_.committed());
  m.context = context;
  send(std::move(m));
}

void RaftCore::bcast_heartbeat() {
  uint64_t round = read_only_.last_round();
  std::string context = round == 0 ? std::string() : ReadOnly::encode_round(round);
  for (NodeId v : config_.voters) {
    if (v != config_.id) send_heartbeat(v, context);
  }
}

// §5.3/§5.4.2: commit the highest index replicated on a quorum, but only by counting
// replicas of an entry from the current term (Figure 8).
bool RaftCore::maybe_commit() {
  std::vector<uint64_t> matches;
  for (NodeId v : config_.voters) matches.push_back(progress_.at(v).match());
  std::sort(matches.begin(), matches.end(), std::greater<>());
  return log_.maybe_commit(matches[quorum() - 1], term_);
}

void RaftCore::on_commit_advanced() {
  if (reads_awaiting_commit_.empty() || !committed_entry_in_current_term()) return;
  std::vector<ReadRequest> waiting = std::move(reads_awaiting_commit_);
  reads_awaiting_commit_.clear();
  for (ReadRequest& r : waiting) handle_read_request(r.from, std::move(r.context));
}

void RaftCore::on_self_persisted() {
  if (role_ != Role::kLeader) return;
  auto self = progress_.find(config_.id);  // absent once this leader removed itself
  if (self == progress_.end() || !self->second.maybe_update(log_.persisted_index())) return;
  if (maybe_commit()) {
    on_commit_advanced();
    bcast_commit();  // tell followers the new commit index
  }
}

bool RaftCore::quorum_active() {
  size_t active = 0;
  for (NodeId v : config_.voters) {
    Progress& pr = progress_.at(v);
    if (v == config_.id || pr.recent_active()) ++active;
    if (v != config_.id) pr.set_recent_active(false);
  }
  return active >= quorum();
}

void RaftCore::send_timeout_now(NodeId to) {
  Message m;
  m.type = MessageType::kTimeoutNow;
  m.to = to;
  send(std::move(m));
}

}  // namespace larch::consensus
