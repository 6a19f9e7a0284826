#pragma once
// The raft thread owns RaftCore and drives its Ready loop (persist -> send -> advance) and
// hands committed entries, in order, to the apply thread, which applies them to the KeyStore's
// in-memory key space one batch at a time, publishes events to the WatchHub and completes
// the waiting requests; the keys.db writer thread then flushes the applied batches to the
// file, as many at once as have queued. The three overlap: while batch n is applied, batch
// n+1 is being fsynced and batch n-1 written to keys.db.
// The leader also proposes TTL expiry (Expire{now}) from the raft thread.
//
// Group commit: proposals from all I/O threads queue in an inbox; the raft thread drains the
// whole inbox before persisting, so one fsync covers every write that arrived meanwhile.
//
// Ownership: RaftCore, the LogStorage and the read waiters belong to the raft thread; the
// KeyStore to the apply thread (after start()), but for KeyStore::flush on the keys.db writer
// thread; PendingTable and the expiry scheduler (under
// expiry_mu_) are shared; applied_index_ is published by the apply thread.
#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "consensus/log_storage.h"
#include "consensus/raft_core.h"
#include "http/kv_service.h"
#include "server/leader_affinity.h"
#include "server/pending_table.h"
#include "server/reader_pool.h"
#include "server/store_counters.h"
#include "store/key_store.h"
#include "store/snapshot_image.h"
#include "store/watch_hub.h"
#include "ttl/expiry_scheduler.h"
#include "util/histogram.h"

namespace larch::server {

struct RaftLoopOptions {
  consensus::NodeId id = 1;
  std::vector<consensus::NodeId> voters;
  int64_t tick_ns = 100'000'000;  // --heartbeat-interval
  int election_ticks = 10;        // --election-timeout / --heartbeat-interval
  int64_t request_timeout_ns = 7'000'000'000;
  int64_t ttl_poll_ns = 20'000'000;  // how often the leader checks the timing wheel
  // etcd-compatible index bookkeeping. The first leader of a fresh cluster proposes
  // bootstrap_entries internal entries (etcd: member adds and cluster version), and every
  // member publishes its attributes once per start (`publish`, an internal entry that
  // carries them: etcd's /0/members/<id>/attributes), retried until applied.
  int bootstrap_entries = 2;
  std::optional<store::Command> publish;
  // Called on the apply thread for every applied member-attributes entry (and for every
  // member after a snapshot install).
  std::function<void(uint64_t, const std::string&)> on_member_attributes;
  // The key-space file the leader images for a member behind the compacted log.
  std::string keys_db_path;
  // Where the leader writes those images (the data dir's snap/, emptied at each start). A
  // kSnapshot message's `snapshot` is the path of its image file: sent ones belong to the
  // transport from then on (it removes them); received ones (the peer handler writes them)
  // are removed once the round that stepped them has been processed.
  std::string snapshot_dir;
  uint64_t seed = 1;
  // Log compaction: every compact_every applied entries the key space is made durable and
  // compact_log(index, term) drops the raft log up to index (--snapshot-count).
  uint64_t compact_every = 100000;
  uint64_t compact_keep = 1000;  // entries kept below the applied index
  // keys.db write-behind: applied batches are written at most once per interval (one
  // transaction for all queued: the longer the interval, the more of the rows a flush writes
  // were changed several times, and the cheaper each write; a crash replays at most this
  // much of the raft log); more than keys_max_queued_bytes queued makes the apply thread
  // write them itself (bounded memory should the writer fall behind).
  int64_t keys_flush_interval_ns = 1'000'000'000;
  size_t keys_max_queued_bytes = 256u << 20;
  std::function<void(uint64_t, uint64_t)> compact_log;
  // Membership. on_conf_change: raft thread, when a committed configuration change takes
  // effect (before the core's voters change, so an added member is reachable first);
  // raft_attributes is the change's {"peerURLs":[..]} JSON ("" for a removal).
  std::function<void(const consensus::ConfChange&, const std::string& raft_attributes)>
      on_conf_change;
  // Apply thread: a membership change was applied to the key space at raft index `index`.
  std::function<void(uint64_t index, const store::MemberPeers&)> on_member_peers;
  // Apply thread, after a snapshot install replaced the membership: the members as of `index`
  // (called before on_member_attributes is called for every installed member).
  std::function<void(uint64_t index, const std::vector<store::MemberPeers>&)> on_members_reset;
  // Hands messages for other members to the peer transport (called on the raft thread, after
  // the Ready's state is durable; must not block). Unset: a single member, nothing to send.
  std::function<void(std::vector<consensus::Message>)> send;
  // --leader-follows-writes: a follower that forwards most of the cluster's client writes
  // asks the leader for the leadership (LeaderAffinity).
  bool leader_follows_writes = true;
};

// The command an entry carries: a normal entry's data, or the one in a conf change's context;
// nullopt for empty (no-op) and malformed entries.
std::optional<store::Command> entry_command(const consensus::Entry& e);

class RaftLoop {
 public:
  using Clock = std::function<int64_t()>;  // Unix ns

  // Before constructing the core, raises the stored commit index to the key store's applied
  // index if it lags (commit-only changes are not fsynced on their own; see needs_persist).
  RaftLoop(RaftLoopOptions options, consensus::LogStorage& log, store::KeyStore& keys,
           store::WatchHub& hub, StoreCounters& counters, ReaderPool& readers, Clock clock);
  ~RaftLoop();
  RaftLoop(const RaftLoop&) = delete;
  RaftLoop& operator=(const RaftLoop&) = delete;

  void start();  // starts the raft and apply threads
  void stop();   // fails what is pending, stops and joins both threads
  // Any thread. True once this member has applied its own publish entry of this run (or
  // publishes nothing): from then on it shows no state older than it had acknowledged before
  // a restart. Clients are served only from then on (etcd's ReadyNotify), or after a bound.
  bool ready() const { return !options_.publish || published_.load(); }

  // Any thread. done is called exactly once, on the raft thread.
  void propose(store::Command cmd, PendingTable::Done done);
  // Any thread: replicates a membership change whose entry carries `cmd` (an internal
  // command naming the member's store key); done as for propose(), or at once with an
  // internal error when the leader refuses it (another change still pending).
  void propose_conf_change(consensus::ConfChange cc, store::Command cmd, PendingTable::Done done);
  void read_barrier(std::function<void(bool)> done);
  // Any thread: messages from peers (already checked to be for this member and cluster).
  // `processed` (optional) is called on the raft thread once they have been stepped and
  // every message they caused has been handed to options.send (a follower's ack after its
  // fsync), or when the loop has stopped: the peer handler then answers the POST with them.
  void receive(std::vector<consensus::Message> msgs, std::function<void()> processed = {});

  // Graceful shutdown (SIGTERM) on a leader of several members: hands leadership to the
  // most caught-up voter and blocks (up to timeout_ns) until another member leads, so
  // clients see no election gap. Any thread but the raft thread. False if nothing moved.
  bool hand_over_leadership(int64_t timeout_ns);

  http::RaftStatus status() const;
  http::ProposalCounts proposal_counts() const;
  const util::Histogram& log_sync_durations() const { return log_sync_; }
  consensus::NodeId leader() const { return leader_.load(std::memory_order_relaxed); }
  int64_t leader_since_ns() const { return leader_since_ns_.load(std::memory_order_relaxed); }

 private:
  struct Proposal {
    store::Command cmd;
    PendingTable::Done done;
    std::optional<consensus::ConfChange> conf;  // set: a membership change carrying cmd
  };
  struct ReadWaiter {
    std::function<void(bool)> done;
    int64_t deadline_ns;
  };

  void schedule_drain_locked();  // caller holds inbox_mu_

  // Raft thread only.
  void drain_inbox();
  // Proposes, starts a read round and processes the Ready (or fails them once stopped).
  void handle_inbox(std::vector<Proposal>& proposals, std::vector<ReadWaiter>& reads);
  void schedule_tick();
  void schedule_ttl_poll();
  void on_tick();
  void on_ttl_poll();
  // Reads (raft_loop_reads.cc).
  bool forwarded_round_open() const;
  void start_next_read_round();  // reads_next_ -> a round, unless one is held back
  void start_read_round(std::vector<ReadWaiter> waiters);
  void process_ready();
  // Calls the `processed` callbacks of the batches being handled (see receive()).
  void release_answers();
  bool needs_persist(const consensus::Ready& rd) const;
  // rd's hard state differs from the stored one in term or vote (not just commit).
  bool changes_term_or_vote(const consensus::Ready& rd) const;
  void send_before_persist(consensus::Ready& rd);
  void propose_all(std::vector<Proposal>& proposals);                     // raft thread
  void apply_conf_changes(const std::vector<consensus::Entry>& entries);  // raft thread
  void hand_to_apply(std::vector<consensus::Entry> entries);              // raft thread
  void drain_apply_queue();                                               // apply thread
  void schedule_flush();                                                  // apply thread
  void flush_keys();  // keys.db writer (or apply thread, as backpressure)
  void apply_entries(const std::vector<consensus::Entry>& entries);  // apply thread
  void on_soft_state(const consensus::SoftState& ss);
  void serve_read_states(const std::vector<consensus::ReadState>& states);
  void release_reads();
  void expire_reads(int64_t now_ns);
  void propose_local(store::Command cmd);
  void maybe_publish();                           // raft thread
  void maybe_request_leadership(int64_t now_ns);  // raft thread (LeaderAffinity)
  void publish_status();
  void maybe_compact();             // apply thread
  void compact_log(uint64_t upto);  // raft thread
  // Snapshots. Leader: kSnapshot messages from the core get an image file of the key space
  // written on the snapshot thread, then are sent. Follower: install_snapshot replaces the
  // key space with the received image file (on the apply thread, waited for) and then the
  // raft log; false if the image was bad.
  void take_snapshot_messages(std::vector<consensus::Message>& msgs);  // raft thread
  void finish_snapshot(consensus::Message m, std::optional<store::SnapshotImage> image,
                       const std::string& error);                   // raft thread
  bool install_snapshot(const consensus::SnapshotToInstall& snap);  // raft thread
  // Raft thread, after the round that stepped `stepped`: removes the image files of the
  // kSnapshot messages among them. Installed by that round's process_ready, or not wanted
  // (stale, or not from this member's leader): either way they are done with.
  void drop_received_images(const std::vector<consensus::Message>& stepped);
  // Apply thread: refreshes caches after an install; returns the installed membership.
  std::vector<store::MemberPeers> after_install();
  void install_membership(uint64_t index, const std::vector<store::MemberPeers>& members);

  RaftLoopOptions options_;
  consensus::LogStorage& log_;
  store::KeyStore& keys_;
  store::WatchHub& hub_;
  StoreCounters& counters_;
  ReaderPool& readers_;
  Clock clock_;

  boost::asio::io_context ioc_;
  boost::asio::steady_timer tick_timer_;
  boost::asio::steady_timer ttl_timer_;
  std::thread thread_;
  boost::asio::io_context apply_ioc_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> apply_work_;
  std::thread apply_thread_;
  std::mutex apply_mu_;
  std::vector<consensus::Entry> apply_queue_;  // committed, not yet applied, in log order
  // Apply thread only: the batch being applied and what it produces, kept from batch to batch
  // so that their capacity is reused (each batch allocated and freed several KB here, and
  // a large allocation makes glibc consolidate its free lists).
  std::vector<consensus::Entry> applying_;
  std::vector<std::pair<PendingTable::Done, http::WriteReply>> apply_done_;
  std::vector<store::Event> apply_events_;
  boost::asio::io_context snapshot_ioc_;  // writes leader-side images, one at a time
  uint64_t snapshot_files_ = 0;           // raft thread: names the images written
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> snapshot_work_;
  std::thread snapshot_thread_;
  boost::asio::io_context flush_ioc_;  // the keys.db writer
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> flush_work_;
  boost::asio::steady_timer flush_timer_;
  std::chrono::steady_clock::time_point last_flush_{};
  std::thread flush_thread_;
  std::atomic<bool> flush_scheduled_{false};

  std::mutex inbox_mu_;
  std::vector<Proposal> inbox_proposals_;
  std::vector<ReadWaiter> inbox_reads_;
  std::vector<consensus::Message> inbox_messages_;
  std::vector<std::function<void()>> inbox_processed_;
  bool drain_scheduled_ = false;

  // Raft thread state.
  std::vector<std::function<void()>> answers_pending_;  // of the batches being handled
  std::unique_ptr<consensus::RaftCore> core_;
  std::mutex expiry_mu_;
  ttl::ExpiryScheduler expiry_;
  PendingTable pending_;
  uint64_t next_request_id_;
  uint64_t next_read_ctx_ = 1;
  std::map<std::string, std::vector<ReadWaiter>> reads_in_flight_;  // by context
  std::multimap<uint64_t, ReadWaiter> reads_awaiting_apply_;        // by read index
  // Set by the raft thread while reads_awaiting_apply_ is not empty: only then does the
  // apply thread wake it after a batch. Seq-cst with applied_index_ (each side stores its
  // own, then loads the other's): no read is left waiting for an index already applied.
  std::atomic<bool> reads_awaiting_{false};
  std::vector<ReadWaiter> reads_retry_;  // no leader yet
  std::vector<ReadWaiter> reads_next_;   // for the next round (see forwarded_round_open)
  std::string forwarded_ctx_;            // this follower's latest forwarded round
  int64_t forwarded_since_ns_ = 0;
  bool bootstrap_checked_ = false;
  int64_t next_publish_ns_ = 0;
  LeaderAffinity affinity_{{}};      // counts the client writes this member forwards
  int64_t leaderless_since_ns_ = 0;  // when this member last lost its leader (0: has one)
  // Set when this run's publish entry (proposed with publish_request_id_) is applied: every
  // entry before it is applied too, including each write acknowledged before a restart
  // (the key space file may lag the log by up to a flush interval). A replayed publish of an
  // earlier run does not count.
  std::atomic<bool> published_{false};
  uint64_t publish_request_id_ = 0;
  uint64_t last_compaction_ = 0;
  uint64_t conf_applied_ = 0;  // raft thread: last conf-change index the core has taken
  bool stopped_ = false;

  std::atomic<uint64_t> applied_index_{0};
  std::atomic<uint64_t> commit_index_{0};
  std::atomic<uint64_t> term_{0};
  std::atomic<uint64_t> leader_{0};
  std::atomic<bool> is_leader_{false};
  std::atomic<size_t> voter_count_{1};
  std::atomic<int64_t> leader_since_ns_{0};
  std::atomic<uint64_t> leader_changes_{0};
  util::Histogram log_sync_;  // each persist of the raft log (/metrics)
};

}  // namespace larch::server
