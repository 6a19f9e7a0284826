// RaftCore: construction, timers, role transitions and elections (Raft §5.2, thesis §9.6).
#include "consensus/raft_core.h"

#include <algorithm>
#include <limits>
#include <stdexcept>

namespace larch::consensus {
namespace {

RaftConfig checked(RaftConfig config) {
  if (auto why = validate(config)) throw std::invalid_argument("raft config: " + *why);
  return config;
}

}  // namespace

RaftCore::RaftCore(RaftConfig config, LogStorage& storage, uint64_t seed)
    : config_(checked(std::move(config))), log_(storage, config_.applied), rng_(seed) {
  HardState hs = storage.hard_state();
  become_follower(hs.term, kNoNode);
  vote_ = hs.vote;
  prev_hard_ = hard_state();
  prev_soft_ = soft_state();
}

void RaftCore::tick() {
  if (role_ == Role::kLeader) {
    tick_heartbeat();
  } else {
    tick_election();
  }
  tick_parked();
}

void RaftCore::tick_election() {
  ++election_elapsed_;
  if (promotable() && election_elapsed_ >= randomized_election_timeout_) {
    election_elapsed_ = 0;
    campaign();
  }
}

void RaftCore::tick_heartbeat() {
  ++heartbeat_elapsed_;
  ++election_elapsed_;
  if (election_elapsed_ >= config_.election_tick) {
    election_elapsed_ = 0;
    // Check-quorum: a leader that has not heard from a quorum for a whole election
    // timeout may have been replaced; stepping down stops it from serving stale reads
    // and lets its clients find the new leader.
    // (Not a leader that removed itself: it leads on, without counting itself, until a
    // voter has taken over, so the others learn that its removal committed.)
    if (config_.check_quorum && promotable() && !quorum_active()) {
      become_follower(term_, kNoNode);
      return;
    }
    abort_leader_transfer();  // the transferee did not take over in time
    hand_over_if_removed();   // ... and try again while this leader is no voter
  }
  for (auto& [id, pr] : progress_) {
    // A snapshot that was never acknowledged (lost, or the member went down) is retried.
    if (pr.tick_snapshot(config_.election_tick * kSnapshotTimeoutElections)) pr.become_probe();
  }
  if (heartbeat_elapsed_ >= config_.heartbeat_tick) {
    heartbeat_elapsed_ = 0;
    if (read_only_.has_unsent()) read_only_.start_round();
    bcast_heartbeat();
  }
}

void RaftCore::reset(uint64_t term) {
  if (term_ != term) {
    term_ = term;
    vote_ = kNoNode;
  }
  lead_ = kNoNode;
  election_elapsed_ = 0;
  heartbeat_elapsed_ = 0;
  reset_randomized_election_timeout();
  abort_leader_transfer();
  votes_.clear();
  progress_.clear();
  read_only_.reset();
  reads_awaiting_commit_.clear();
  uncommitted_bytes_ = 0;
  removing_self_ = false;
}

void RaftCore::reset_randomized_election_timeout() {
  auto base = static_cast<uint64_t>(config_.election_tick);
  randomized_election_timeout_ = static_cast<int>(base + rng_.below(base));
}

void RaftCore::become_follower(uint64_t term, NodeId lead) {
  reset(term);
  lead_ = lead;
  role_ = Role::kFollower;
}

void RaftCore::become_pre_candidate() {
  // Neither term nor vote changes: a pre-election that fails leaves no trace (§9.6).
  role_ = Role::kPreCandidate;
  lead_ = kNoNode;
  votes_.clear();
}

void RaftCore::become_candidate() {
  reset(term_ + 1);
  vote_ = config_.id;
  role_ = Role::kCandidate;
}

void RaftCore::become_leader() {
  reset(term_);
  role_ = Role::kLeader;
  lead_ = config_.id;
  for (NodeId v : config_.voters) {
    progress_.emplace(v, Progress(log_.last_index() + 1, config_.max_inflight_msgs));
  }
  Progress& self = progress_.at(config_.id);
  self.maybe_update(log_.persisted_index());  // only what is durable counts (see advance)
  self.set_recent_active(true);
  // Any configuration change still uncommitted in our log counts as pending.
  pending_conf_index_ = log_.last_index();
  note_pending_self_removal(
      log_.slice(log_.applied() + 1, log_.last_index() + 1, std::numeric_limits<uint64_t>::max()));
  // §5.4.2 / §8: an entry of the new term lets earlier entries commit and gives ReadIndex
  // its "committed in this term" point.
  append_entries({Entry{}});
  bcast_append();
  release_parked();
}

void RaftCore::campaign() {
  if (role_ == Role::kLeader) return;
  start_campaign(config_.pre_vote ? CampaignKind::kPreElection : CampaignKind::kElection);
}

void RaftCore::start_campaign(CampaignKind kind) {
  if (!promotable()) return;
  bool pre = kind == CampaignKind::kPreElection;
  if (pre) {
    become_pre_candidate();
  } else {
    become_candidate();
  }
  if (poll(config_.id, true) == VoteResult::kWon) {  // single voter
    if (pre) {
      start_campaign(CampaignKind::kElection);
    } else {
      become_leader();
    }
    return;
  }
  for (NodeId v : config_.voters) {
    if (v == config_.id) continue;
    Message m;
    m.type = pre ? MessageType::kPreVote : MessageType::kVote;
    m.to = v;
    m.term = pre ? term_ + 1 : term_;  // a pre-vote asks about the term it would use
    m.index = log_.last_index();
    m.log_term = log_.last_term();
    if (kind == CampaignKind::kTransfer) m.context = kTransferContext;
    send(std::move(m));
  }
}

RaftCore::VoteResult RaftCore::poll(NodeId from, bool granted) {
  votes_.emplace(from, granted);  // the first answer from a voter counts
  size_t yes = 0;
  size_t no = 0;
  for (NodeId v : config_.voters) {
    auto it = votes_.find(v);
    if (it == votes_.end()) continue;
    (it->second ? yes : no) += 1;
  }
  if (yes >= quorum()) return VoteResult::kWon;
  if (no > config_.voters.size() - quorum()) return VoteResult::kLost;
  return VoteResult::kPending;
}

bool RaftCore::promotable() const {
  const auto& v = config_.voters;
  return std::find(v.begin(), v.end(), config_.id) != v.end();
}

const Progress* RaftCore::progress(NodeId node) const {
  auto it = progress_.find(node);
  return it == progress_.end() ? nullptr : &it->second;
}

}  // namespace larch::consensus
