#include "server/raft_loop.h"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <chrono>

#include "http/completion_batch.h"
#include "util/fail_stop.h"
#include "util/release_capacity.h"
#include "util/v2_error.h"

namespace larch::server {

namespace asio = boost::asio;
using consensus::RequestOutcome;

namespace {

// Empties v for the next apply batch, keeping its capacity unless a rare large batch (a
// catch-up after a restart) grew it past 4,096 elements: that memory goes back.
template <typename V>
void clear_for_next_batch(V& v) {
  v.clear();
  util::release_capacity_over(v, 4096);
}

}  // namespace

RaftLoop::RaftLoop(RaftLoopOptions options, consensus::LogStorage& log, store::KeyStore& keys,
                   store::WatchHub& hub, StoreCounters& counters, ReaderPool& readers, Clock clock)
    : options_(std::move(options)),
      log_(log),
      keys_(keys),
      hub_(hub),
      counters_(counters),
      readers_(readers),
      clock_(std::move(clock)),
      tick_timer_(ioc_),
      ttl_timer_(ioc_),
      apply_work_(apply_ioc_.get_executor()),
      snapshot_work_(snapshot_ioc_.get_executor()),
      flush_work_(flush_ioc_.get_executor()),
      flush_timer_(flush_ioc_),
      expiry_(clock_()),
      // Request ids only need to be unique among this member's in-flight requests and
      // unlikely to collide with other members' ids: start from a per-process random point.
      next_request_id_((options_.seed * 0x9e3779b97f4a7c15ULL) ^ static_cast<uint64_t>(clock_())),
      publish_request_id_(next_request_id_++) {
  if (keys_.applied_index() > log_.last_index() && keys_.applied_term() != 0) {
    // A snapshot install was interrupted after the key space took it but before the log
    // did (install order: key space, then log). Finish it.
    log_.install_snapshot(keys_.applied_index(), keys_.applied_term());
  }
  consensus::HardState hs = log_.hard_state();
  if (hs.commit < keys_.applied_index() && keys_.applied_index() <= log_.last_index()) {
    hs.commit = keys_.applied_index();
    log_.persist(hs, {});
  }
  consensus::RaftConfig rc;
  rc.id = options_.id;
  rc.voters = options_.voters;
  rc.election_tick = options_.election_ticks;
  rc.heartbeat_tick = 1;
  rc.applied = keys_.applied_index();
  core_ = std::make_unique<consensus::RaftCore>(rc, log_, options_.seed);
  voter_count_.store(rc.voters.size());
  // Conf changes up to here are already in the voters the driver passed in (read from the key
  // space, which a joining member seeded at conf_index).
  conf_applied_ = std::max(keys_.applied_index(), keys_.conf_index());
  expiry_.rebuild(keys_.ttl_nodes());
  last_compaction_ = keys_.applied_index();
  applied_index_.store(keys_.applied_index());
  publish_status();
}

RaftLoop::~RaftLoop() {
  stop();
}

void RaftLoop::start() {
  asio::post(ioc_, [this] {
    if (core_->config().voters == std::vector<consensus::NodeId>{options_.id}) core_->campaign();
    process_ready();
    schedule_tick();
    schedule_ttl_poll();
  });
  apply_thread_ = std::thread([this] { util::run_fail_stop(apply_ioc_, "larch-apply"); });
  thread_ = std::thread([this] { util::run_fail_stop(ioc_, "larch-raft"); });
  snapshot_thread_ = std::thread([this] { util::run_fail_stop(snapshot_ioc_, "larch-snap"); });
  flush_thread_ = std::thread([this] { util::run_fail_stop(flush_ioc_, "larch-keysdb"); });
}

void RaftLoop::stop() {
  if (!thread_.joinable()) return;
  asio::post(ioc_, [this] {
    stopped_ = true;
    tick_timer_.cancel();
    ttl_timer_.cancel();
    pending_.fail_all("etcdserver: server stopped");
    for (auto& [ctx, ws] : reads_in_flight_)
      for (auto& w : ws) w.done(false);
    for (auto& [i, w] : reads_awaiting_apply_) w.done(false);
    for (auto& w : reads_retry_) w.done(false);
    for (auto& w : reads_next_) w.done(false);
    reads_in_flight_.clear();
    reads_awaiting_apply_.clear();
    reads_retry_.clear();
    reads_next_.clear();
  });
  thread_.join();
  // Batches that arrived after the last drain: their POSTs need not wait out the hold.
  std::vector<std::function<void()>> processed;
  {
    std::lock_guard lock(inbox_mu_);
    processed.swap(inbox_processed_);
  }
  for (auto& p : processed) p();
  // Entries already handed over are still applied (they are committed and persisted).
  apply_work_.reset();
  apply_thread_.join();
  // What the apply thread queued is written before the thread ends: cutting the wait short
  // runs the pending flush now rather than up to keys_flush_interval_ns later.
  asio::post(flush_ioc_, [this] { flush_timer_.cancel(); });
  flush_work_.reset();
  flush_thread_.join();
  snapshot_work_.reset();
  snapshot_ioc_.stop();  // an image being made is abandoned
  snapshot_thread_.join();
}

void RaftLoop::propose(store::Command cmd, PendingTable::Done done) {
  std::lock_guard lock(inbox_mu_);
  inbox_proposals_.push_back(Proposal{std::move(cmd), std::move(done), std::nullopt});
  schedule_drain_locked();
}

void RaftLoop::propose_conf_change(consensus::ConfChange cc, store::Command cmd,
                                   PendingTable::Done done) {
  std::lock_guard lock(inbox_mu_);
  inbox_proposals_.push_back(Proposal{std::move(cmd), std::move(done), std::move(cc)});
  schedule_drain_locked();
}

void RaftLoop::read_barrier(std::function<void(bool)> done) {
  std::lock_guard lock(inbox_mu_);
  inbox_reads_.push_back(ReadWaiter{std::move(done), 0});
  schedule_drain_locked();
}

void RaftLoop::receive(std::vector<consensus::Message> msgs, std::function<void()> processed) {
  std::lock_guard lock(inbox_mu_);
  if (processed) inbox_processed_.push_back(std::move(processed));
  if (inbox_messages_.empty()) {
    inbox_messages_ = std::move(msgs);
  } else {
    for (auto& m : msgs) inbox_messages_.push_back(std::move(m));
  }
  schedule_drain_locked();
}

void RaftLoop::schedule_drain_locked() {
  // One drain per burst: everything that arrives before it runs shares its fsync.
  if (drain_scheduled_) return;
  drain_scheduled_ = true;
  asio::post(ioc_, [this] { drain_inbox(); });
}

void RaftLoop::drain_inbox() {
  std::vector<Proposal> proposals;
  std::vector<ReadWaiter> reads;
  std::vector<consensus::Message> messages;
  {
    std::lock_guard lock(inbox_mu_);
    proposals.swap(inbox_proposals_);
    reads.swap(inbox_reads_);
    messages.swap(inbox_messages_);
    answers_pending_.swap(inbox_processed_);
    drain_scheduled_ = false;
  }
  if (!stopped_) {
    for (const auto& m : messages) core_->step(m);
  }
  handle_inbox(proposals, reads);
  release_answers();  // after process_ready: every answer has been sent
  drop_received_images(messages);
}

void RaftLoop::release_answers() {
  for (auto& a : answers_pending_) a();
  answers_pending_.clear();
}

void RaftLoop::handle_inbox(std::vector<Proposal>& proposals, std::vector<ReadWaiter>& reads) {
  if (stopped_) {
    for (auto& p : proposals) {
      http::WriteReply r;
      r.internal_error = true;
      r.internal_cause = "etcdserver: server stopped";
      p.done(std::move(r));
    }
    for (auto& w : reads) w.done(false);
    return;
  }
  propose_all(proposals);
  if (!reads.empty()) {
    int64_t deadline = clock_() + options_.request_timeout_ns;
    for (auto& w : reads) {
      w.deadline_ns = deadline;
      reads_next_.push_back(std::move(w));
    }
  }
  process_ready();
}

void RaftLoop::propose_all(std::vector<Proposal>& proposals) {
  // Normal commands go to the core in runs (one append message per follower per run);
  // a configuration change ends a run, so the log keeps the inbox's order.
  std::vector<std::string> run;
  auto flush_run = [&] {
    if (run.empty()) return;
    if (core_->role() != consensus::Role::kLeader) affinity_.on_forwarded(run.size());
    core_->propose(std::move(run));
    run.clear();
  };
  for (auto& p : proposals) {
    uint64_t id = ++next_request_id_;
    p.cmd.request_id = id;
    pending_.add(id, std::move(p.done), clock_() + options_.request_timeout_ns);
    // A proposal the core parks for lack of a leader goes to the next one; if none comes
    // (or the core drops it) it stays pending until its deadline, matching etcd, which
    // answers "request timed out" when there is no quorum.
    if (!p.conf) {
      run.push_back(store::encode_command(p.cmd));
      continue;
    }
    flush_run();
    p.conf->context = store::encode_command(p.cmd);
    if (core_->propose_conf_change(*p.conf).outcome == RequestOutcome::kDropped) {
      if (auto done = pending_.take(id)) {
        http::WriteReply r;
        r.internal_error = true;
        r.internal_cause = "etcdserver: another membership change is in progress";
        done(std::move(r));
      }
    }
  }
  flush_run();
}

void RaftLoop::process_ready() {
  start_next_read_round();
  while (core_->has_ready()) {
    consensus::Ready rd = core_->ready();
    if (options_.send) send_before_persist(rd);
    // A leader's appends are out and nothing else waits for the fsync: answer the held POSTs
    // now (a forwarding follower gets its appends without waiting for this disk).
    if (rd.messages.empty()) release_answers();
    if (needs_persist(rd)) {
      auto start = std::chrono::steady_clock::now();
      log_.persist(rd.hard_state.value_or(core_->hard_state()), rd.entries);
      log_sync_.observe(std::chrono::steady_clock::now() - start);
    }
    if (rd.snapshot && !install_snapshot(*rd.snapshot)) rd.snapshot.reset();
    take_snapshot_messages(rd.messages);
    if (!rd.messages.empty() && options_.send) options_.send(std::move(rd.messages));
    if (rd.soft_state) on_soft_state(*rd.soft_state);
    if (!rd.read_states.empty()) serve_read_states(rd.read_states);
    core_->advance(rd);
    if (!rd.committed_entries.empty()) {
      apply_conf_changes(rd.committed_entries);
      hand_to_apply(std::move(rd.committed_entries));
    }
    // An answered forwarded round lets the reads queued behind it go (their messages are
    // sent by the next pass of this loop).
    start_next_read_round();
  }
  release_reads();
  publish_status();
}

void RaftLoop::hand_to_apply(std::vector<consensus::Entry> entries) {
  std::lock_guard lock(apply_mu_);
  bool idle = apply_queue_.empty();
  for (auto& e : entries) apply_queue_.push_back(std::move(e));
  if (idle) asio::post(apply_ioc_, [this] { drain_apply_queue(); });
}

void RaftLoop::drain_apply_queue() {
  // Everything committed while the previous batch was being applied goes into one key-space
  // transaction: one commit (and one write of the shared pages) instead of one per batch.
  {
    std::lock_guard lock(apply_mu_);
    applying_.swap(apply_queue_);  // the queue takes over the last batch's emptied capacity
  }
  apply_entries(applying_);
  clear_for_next_batch(applying_);
}

void RaftLoop::send_before_persist(consensus::Ready& rd) {
  // Raft thesis §10.2.1: a leader may ship entries to followers while it writes them to its
  // own disk; its own copy only counts toward commit once persisted (the core waits for
  // advance()). Only while term and vote are already durable: everything else (votes, acks)
  // promises durable state and waits for the fsync.
  if (core_->role() != consensus::Role::kLeader || rd.messages.empty()) return;
  if (changes_term_or_vote(rd)) return;
  std::vector<consensus::Message> early, later;
  for (auto& m : rd.messages) {
    bool replication =
        m.type == consensus::MessageType::kAppend || m.type == consensus::MessageType::kHeartbeat;
    (replication ? early : later).push_back(std::move(m));
  }
  rd.messages = std::move(later);
  if (!early.empty()) options_.send(std::move(early));
}

bool RaftLoop::changes_term_or_vote(const consensus::Ready& rd) const {
  if (!rd.hard_state) return false;
  consensus::HardState stored = log_.hard_state();
  return rd.hard_state->term != stored.term || rd.hard_state->vote != stored.vote;
}

bool RaftLoop::needs_persist(const consensus::Ready& rd) const {
  // A change of the commit index alone is not fsynced on its own (Raft keeps commitIndex
  // volatile; it rides along with the next persist). Term and vote must be durable before
  // any message of this Ready is sent.
  return !rd.entries.empty() || changes_term_or_vote(rd);
}

void RaftLoop::apply_entries(const std::vector<consensus::Entry>& entries) {
  auto& done = apply_done_;  // empty: cleared at the end of the last batch
  auto& events = apply_events_;
  keys_.begin_batch();
  for (const auto& e : entries) {
    if (e.index <= keys_.applied_index()) continue;
    auto cmd = entry_command(e);
    if (!cmd) {
      keys_.skip(e.index, e.term);
      continue;
    }
    // Only the member that proposed the command renders its answer (others would copy the
    // event JSON into a body nobody reads).
    PendingTable::Done d = pending_.take(cmd->request_id);
    store::ApplyResult res = keys_.apply(e.index, e.term, *cmd, static_cast<bool>(d));
    counters_.count_apply(cmd->op, res.error_code == 0, res.events.size());
    if (!res.ttl_set.empty() || cmd->op == store::OpType::kExpire) {
      std::lock_guard lock(expiry_mu_);
      for (const auto& [key, exp] : res.ttl_set) expiry_.on_applied_ttl(key, exp);
      if (cmd->op == store::OpType::kExpire) expiry_.on_expire_applied(cmd->now_ns);
    }
    if (res.member_peers && options_.on_member_peers) {
      options_.on_member_peers(e.index, *res.member_peers);
    }
    if (res.member_attributes) {
      if (res.member_attributes->first == options_.id && cmd->request_id == publish_request_id_) {
        published_.store(true);
      }
      if (options_.on_member_attributes) {
        options_.on_member_attributes(res.member_attributes->first, res.member_attributes->second);
      }
    }
    for (auto& ev : res.events) events.push_back(std::move(ev));
    res.events.clear();
    if (d) {
      http::WriteReply reply;
      reply.result = std::move(res);
      done.emplace_back(std::move(d), std::move(reply));
    }
  }
  keys_.commit_batch();
  schedule_flush();
  // GETs and watches read the live key space, which already holds the batch.
  hub_.publish(keys_.etcd_index(), events);
  http::CompletionBatch<http::WriteReply> batch;  // one post per I/O thread, not per request
  for (auto& [d, reply] : done) batch.add(d, std::move(reply));
  batch.post_all();
  clear_for_next_batch(done);
  clear_for_next_batch(events);
  applied_index_.store(keys_.applied_index());
  if (reads_awaiting_.load()) asio::post(ioc_, [this] { release_reads(); });
  maybe_compact();
}

void RaftLoop::schedule_flush() {
  // Backpressure: should the writer ever fall this far behind, the apply thread writes
  // itself, so the queue (memory) stays bounded.
  if (keys_.live().history().footprint() > options_.keys_max_queued_bytes) flush_keys();
  if (flush_scheduled_.exchange(true)) return;  // the flush already scheduled takes this batch
  asio::post(flush_ioc_, [this] {
    // At most one flush per interval: one transaction then covers many batches, and pages
    // written by several of them (the events table's last page, hot keys) are written once.
    auto interval = std::chrono::nanoseconds(options_.keys_flush_interval_ns);
    flush_timer_.expires_at(last_flush_ + interval);
    flush_timer_.async_wait([this](boost::system::error_code) {
      flush_scheduled_.store(false);
      last_flush_ = std::chrono::steady_clock::now();
      flush_keys();
    });
  });
}

void RaftLoop::flush_keys() {
  // Readers must drop snapshots older than the flush before the queue forgets its batches.
  keys_.flush([this] { readers_.store_changed(); });
}

void RaftLoop::maybe_compact() {
  uint64_t applied = keys_.applied_index();
  if (!options_.compact_log || applied < last_compaction_ + options_.compact_every) return;
  if (applied <= options_.compact_keep) return;
  last_compaction_ = applied;
  uint64_t upto = applied - options_.compact_keep;
  // The key space must durably hold everything the dropped entries did. The keys.db writer
  // makes it so (its fsync may wait behind its own flush): apply goes on meanwhile, and the
  // raft thread drops the entries once the file is durable.
  asio::post(flush_ioc_, [this, upto] {
    keys_.sync([this] { readers_.store_changed(); });
    asio::post(ioc_, [this, upto] { compact_log(upto); });
  });
}

void RaftLoop::compact_log(uint64_t upto) {
  if (auto term = log_.term(upto)) options_.compact_log(upto, *term);
}

void RaftLoop::on_soft_state(const consensus::SoftState& ss) {
  bool was_leader = is_leader_.load();
  bool leader_now = ss.role == consensus::Role::kLeader;
  if (ss.leader != leader_.load()) {
    leader_since_ns_.store(clock_());
    if (ss.leader != consensus::kNoNode) leader_changes_.fetch_add(1);  // as etcd counts
  }
  leader_.store(ss.leader);
  is_leader_.store(leader_now);
  int64_t now = clock_();
  if (ss.leader == consensus::kNoNode) {
    if (leaderless_since_ns_ == 0) leaderless_since_ns_ = now;
  }
  if (leader_now != was_leader) {
    std::lock_guard lock(expiry_mu_);
    if (leader_now && voter_count_.load() > 1) {
      // Clients could not refresh TTLs while there was no leader: from the moment this member
      // stopped hearing one (an election timeout before it noticed) until now.
      int64_t noticed = leaderless_since_ns_ != 0 ? leaderless_since_ns_ : now;
      int64_t gap = now - noticed + options_.tick_ns * options_.election_ticks;
      expiry_.become_leader_after_gap(now, gap);
    } else {
      expiry_.set_leader(leader_now);
    }
  }
  if (ss.leader != consensus::kNoNode) leaderless_since_ns_ = 0;
  if (leader_now && !bootstrap_checked_) {
    bootstrap_checked_ = true;
    if (core_->commit_index() == 0 && applied_index_.load() == 0) {
      for (int i = 0; i < options_.bootstrap_entries; ++i) {
        store::Command c;
        c.op = store::OpType::kInternal;
        c.now_ns = clock_();
        propose_local(std::move(c));
      }
    }
  }
  maybe_publish();
}

void RaftLoop::maybe_publish() {
  if (!options_.publish || published_.load() || leader_.load() == consensus::kNoNode) return;
  int64_t now = clock_();
  if (now < next_publish_ns_) return;
  // A forwarded proposal can be lost with its leader: try again after an election timeout
  // until the apply thread has seen our attributes applied.
  next_publish_ns_ = now + options_.tick_ns * options_.election_ticks;
  store::Command c = *options_.publish;
  c.now_ns = now;
  c.request_id = publish_request_id_;
  propose_local(std::move(c));
}

void RaftLoop::maybe_request_leadership(int64_t now_ns) {
  if (!options_.leader_follows_writes) return;
  bool follower =
      core_->role() == consensus::Role::kFollower && core_->leader() != consensus::kNoNode;
  if (affinity_.should_ask(now_ns, follower, core_->commit_index())) {
    core_->request_leadership();
  }
}

void RaftLoop::propose_local(store::Command cmd) {
  core_->propose(store::encode_command(cmd));
}

void RaftLoop::schedule_tick() {
  tick_timer_.expires_after(std::chrono::nanoseconds(options_.tick_ns));
  tick_timer_.async_wait([this](boost::system::error_code ec) {
    if (!ec && !stopped_) on_tick();
  });
}

void RaftLoop::on_tick() {
  core_->tick();
  maybe_publish();
  int64_t now = clock_();
  pending_.expire(now);
  expire_reads(now);
  maybe_request_leadership(now);
  if (!reads_retry_.empty() && leader_.load() != 0) {
    auto retry = std::move(reads_retry_);
    reads_retry_.clear();
    start_read_round(std::move(retry));
  }
  process_ready();
  schedule_tick();
}

void RaftLoop::schedule_ttl_poll() {
  ttl_timer_.expires_after(std::chrono::nanoseconds(options_.ttl_poll_ns));
  ttl_timer_.async_wait([this](boost::system::error_code ec) {
    if (!ec && !stopped_) on_ttl_poll();
  });
}

void RaftLoop::on_ttl_poll() {
  std::optional<int64_t> sweep;
  {
    std::lock_guard lock(expiry_mu_);
    sweep = expiry_.poll(clock_());
  }
  if (sweep) {
    store::Command c;
    c.op = store::OpType::kExpire;
    c.now_ns = *sweep;
    propose_local(std::move(c));
    process_ready();
  }
  schedule_ttl_poll();
}

bool RaftLoop::hand_over_leadership(int64_t timeout_ns) {
  if (!is_leader_.load() || voter_count_.load() < 2) return false;
  asio::post(ioc_, [this] {
    consensus::NodeId best = consensus::kNoNode;
    uint64_t best_match = 0;
    for (consensus::NodeId v : core_->config().voters) {
      const consensus::Progress* pr = v == options_.id ? nullptr : core_->progress(v);
      if (pr && (best == consensus::kNoNode || pr->match() > best_match)) {
        best = v;
        best_match = pr->match();
      }
    }
    if (best != consensus::kNoNode) {
      core_->transfer_leadership(best);
      process_ready();
    }
  });
  auto step = std::chrono::milliseconds(10);
  for (int64_t waited = 0; waited < timeout_ns; waited += step.count() * 1'000'000) {
    std::this_thread::sleep_for(step);
    uint64_t lead = leader_.load();
    if (lead != consensus::kNoNode && lead != options_.id) return true;
  }
  return false;
}

void RaftLoop::publish_status() {
  commit_index_.store(core_->commit_index(), std::memory_order_relaxed);
  term_.store(core_->term(), std::memory_order_relaxed);
}

http::RaftStatus RaftLoop::status() const {
  http::RaftStatus s;
  s.commit_index = commit_index_.load(std::memory_order_relaxed);
  s.term = term_.load(std::memory_order_relaxed);
  s.has_leader = leader_.load(std::memory_order_relaxed) != 0;
  s.is_leader = is_leader_.load(std::memory_order_relaxed);
  s.applied_index = applied_index_.load(std::memory_order_relaxed);
  s.leader_changes = leader_changes_.load(std::memory_order_relaxed);
  return s;
}

http::ProposalCounts RaftLoop::proposal_counts() const {
  return {pending_.size(), pending_.failed()};
}

}  // namespace larch::server
