#pragma once
// RaftCore: the deterministic Raft state machine (leader election with pre-vote and
// check-quorum, log replication with flow control, ReadIndex reads, leadership transfer),
// in the style of etcd's raft package. No sockets, threads, clocks or I/O: the driver
// (RaftNode) feeds it tick()/step()/propose()/read_index() and drains Ready batches:
//
//   while (core.has_ready()) {
//     Ready rd = core.ready();
//     storage.persist(rd.hard_state.value_or(core.hard_state()), rd.entries);
//     send(rd.messages); apply(rd.committed_entries); serve(rd.read_states);
//     core.advance(rd);
//   }
//
// Every call must come from one thread (the raft thread); ready() must be followed by
// advance() before the next ready(). Requests made on a follower are forwarded to the
// leader inside raft messages (kPropose / kReadIndex): the caller learns the outcome only
// by seeing its entry applied / its ReadState arrive, so it must keep a deadline. Nothing
// is retried inside the core.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "consensus/conf_change.h"
#include "consensus/log_storage.h"
#include "consensus/message.h"
#include "consensus/progress.h"
#include "consensus/raft_config.h"
#include "consensus/raft_log.h"
#include "consensus/read_only.h"
#include "consensus/ready.h"
#include "consensus/request_result.h"
#include "consensus/split_mix64.h"

namespace larch::consensus {

class RaftCore {
 public:
  // Restores term/vote/commit and the log from `storage` (which must outlive the core).
  // Throws std::invalid_argument on an invalid config. `seed` drives the randomized
  // election timeout; give each member a different one.
  RaftCore(RaftConfig config, LogStorage& storage, uint64_t seed);

  // Advances logical time by one tick (election / heartbeat timers).
  void tick();
  // Handles one message from a peer (messages with m.to != id() are ignored).
  void step(const Message& m);
  // Replicates `data` as a normal entry. Leader: appends (kAccepted, index, term).
  // Follower with a leader: forwards (kForwarded). Without a known leader, or on a leader
  // that cannot append now (a leadership transfer is in progress): kParked — held, and
  // submitted as soon as some leader can take it (forwarded once a leader is known, appended
  // once this node leads and takes proposals again); dropped if none can within two election
  // timeouts. Proposals other members forwarded here are parked the same way. kDropped when
  // the uncommitted-bytes budget (which also bounds the parked bytes) is exhausted.
  RequestResult propose(std::string data);
  // Replicates every element of `batch` as consecutive normal entries, all or none (one
  // append message per follower, or one forwarded message); as propose() otherwise, with
  // index = the last entry's. An empty batch is kDropped.
  RequestResult propose(std::vector<std::string> batch);
  // Replicates a configuration change (one at a time). Leader: kAccepted, or kDropped while
  // an earlier change is not yet applied (or during a leadership transfer). Follower with a
  // leader: kForwarded (the leader drops it the same way). It takes effect when the driver
  // applies the committed entry and calls apply_conf_change.
  RequestResult propose_conf_change(const ConfChange& cc);
  // The driver applied a committed kConfChange entry (in log order, on every member, also
  // when replaying after a restart): updates the voters and, on a leader, the followers'
  // progress. A leader that removed itself stops taking proposals and hands leadership to
  // the most caught-up voter. Removing the last voter is ignored.
  // Returns the voters now.
  std::vector<NodeId> apply_conf_change(const ConfChange& cc);
  // Replaces the voters wholesale: after the driver installed a snapshot (the image carries
  // the configuration as of its index). A leader adds/drops followers' progress to match and
  // steps down if it is no longer a voter. Invalid sets (empty, id 0, duplicates) are ignored.
  void set_voters(std::vector<NodeId> voters);

  // Requests a linearizable read point tagged `context` (unique per call). The answer is a
  // ReadState in a later Ready on this node. Leader: kAccepted; follower: kForwarded.
  RequestResult read_index(std::string context);
  // Leader only: hands leadership to `target` once it is caught up (TimeoutNow); the
  // transfer is abandoned after an election timeout. kNotLeader on non-leaders.
  RequestResult transfer_leadership(NodeId target);
  // Follower: asks the leader to transfer leadership to this node (kForwarded; the leader
  // starts the transfer unless one is already running or it takes no proposals). kAccepted
  // on the leader; kNoLeader without a known leader or when this node is no voter.
  RequestResult request_leadership();
  // Leader: the driver could not produce or deliver the snapshot for `to`; probe again
  // (which sends a new one). Without this report a snapshot times out after
  // kSnapshotTimeoutElections election timeouts.
  void report_snapshot_failure(NodeId to);
  static constexpr int kSnapshotTimeoutElections = 10;

  // Starts an election now (pre-vote first when enabled) if this node is a voter and not
  // the leader. A single-voter cluster becomes leader immediately.
  void campaign();

  bool has_ready() const;
  Ready ready();
  // Acknowledges that `rd` (the last ready()) was persisted, sent and applied.
  void advance(const Ready& rd);

  // Observers (raft thread).
  NodeId id() const { return config_.id; }
  uint64_t term() const { return term_; }
  Role role() const { return role_; }
  NodeId leader() const { return lead_; }
  uint64_t commit_index() const { return log_.committed(); }
  HardState hard_state() const { return {term_, vote_, log_.committed()}; }
  SoftState soft_state() const { return {lead_, role_, term_}; }
  const RaftLog& log() const { return log_; }
  const RaftConfig& config() const { return config_; }
  NodeId lead_transferee() const { return lead_transferee_; }
  // Leader: its view of `node`'s log; nullptr when not leader or unknown node.
  const Progress* progress(NodeId node) const;

 private:
  enum class CampaignKind : uint8_t { kPreElection, kElection, kTransfer };
  enum class VoteResult : uint8_t { kPending, kWon, kLost };

  // Role transitions (raft_core.cc).
  void reset(uint64_t term);
  void become_follower(uint64_t term, NodeId lead);
  void become_pre_candidate();
  void become_candidate();
  void become_leader();
  void start_campaign(CampaignKind kind);
  VoteResult poll(NodeId from, bool granted);
  bool promotable() const;
  size_t quorum() const { return config_.voters.size() / 2 + 1; }
  void reset_randomized_election_timeout();
  void tick_election();
  void tick_heartbeat();

  // Message handling (raft_core_step.cc).
  bool step_term(const Message& m);
  void answer_stale_term(const Message& m);
  void handle_vote_request(const Message& m);
  void step_follower(const Message& m);
  void step_candidate(const Message& m);
  void handle_append(const Message& m);
  void handle_heartbeat(const Message& m);
  void handle_snapshot(const Message& m);
  void send(Message m);
  void forward_to_leader(Message m);
  // Follower with a known leader: sends `entries` to it in one kPropose.
  void forward_entries(std::vector<Entry> entries);

  // Leader side (raft_core_leader.cc).
  void step_leader(const Message& m);
  // A leader that is no voter any more (it removed itself) hands over to the most caught-up
  // voter; no-op otherwise or while a transfer is in progress.
  void hand_over_if_removed();
  // Leader: sets removing_self_ if `entries` (appended, not yet applied) remove this node.
  void note_pending_self_removal(const std::vector<Entry>& entries);
  bool accepts_proposals() const {
    return lead_transferee_ == kNoNode && promotable() && !removing_self_;
  }
  // Appends proposals forwarded by followers (conf changes one at a time, a second one
  // becoming a no-op, as in etcd).
  void append_forwarded(const std::vector<Entry>& entries);
  void handle_append_resp(const Message& m, Progress& pr);
  void handle_heartbeat_resp(const Message& m, Progress& pr);
  bool append_entries(std::vector<Entry> entries);
  bool send_append(NodeId to, bool send_if_empty);
  bool send_snapshot(NodeId to);
  void bcast_append();
  void bcast_commit();
  bool awaits_ack(const Progress& pr) const;
  void send_heartbeat(NodeId to, const std::string& context);
  void bcast_heartbeat();
  bool maybe_commit();
  void on_commit_advanced();
  void on_self_persisted();
  bool quorum_active();
  void abort_leader_transfer() { lead_transferee_ = kNoNode; }
  void send_timeout_now(NodeId to);

  // Parked proposals (raft_core_parked.cc): held while no leader can take them.
  bool park(std::vector<Entry> entries);
  // Submits the parked proposals if a leader can take them now (see propose()).
  void release_parked();
  void tick_parked();

  // Reads (raft_core_read.cc).
  bool committed_entry_in_current_term() const;
  void handle_read_request(NodeId from, std::string context);
  void start_read_round();
  void release_confirmed_reads();
  void answer_read(ReadRequest request);

  RaftConfig config_;
  RaftLog log_;
  SplitMix64 rng_;
  uint64_t term_ = 0;
  NodeId vote_ = kNoNode;
  Role role_ = Role::kFollower;
  NodeId lead_ = kNoNode;
  NodeId lead_transferee_ = kNoNode;
  std::map<NodeId, Progress> progress_;  // leader only, one per voter (self included)
  std::map<NodeId, bool> votes_;         // (pre-)candidate only
  int election_elapsed_ = 0;   // ticks since the last valid leader contact / timeout reset
  int heartbeat_elapsed_ = 0;  // leader only
  int randomized_election_timeout_ = 0;
  uint64_t uncommitted_bytes_ = 0;   // leader: payload appended but not yet applied
  uint64_t pending_conf_index_ = 0;  // leader: last conf change appended (one at a time)
  // Leader: the pending conf change removes this node. From then on no proposals, so that
  // when it commits, this log is no longer than the remaining voters that acknowledged it
  // (they can then win an election without a vote this node would refuse).
  bool removing_self_ = false;
  ReadOnly read_only_;
  std::vector<ReadRequest> reads_awaiting_commit_;  // leader before its first commit
  std::vector<Message> msgs_;
  std::vector<ReadState> read_states_;
  SoftState prev_soft_;
  HardState prev_hard_;
  bool ready_outstanding_ = false;
  std::vector<Entry> parked_;  // proposals waiting for a leader (any role; see propose())
  uint64_t parked_bytes_ = 0;
  int parked_elapsed_ = 0;  // ticks since the oldest parked proposal arrived
  std::optional<SnapshotToInstall> pending_snapshot_;  // follower: received, not installed
  bool snapshot_handed_out_ = false;                   // ... and already in a Ready
};

}  // namespace larch::consensus
