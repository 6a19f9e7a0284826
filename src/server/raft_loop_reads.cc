// RaftLoop: linearizable reads. Reads that arrive together share one ReadIndex round
// (Raft thesis §6.4); once the round confirms an index, each read is released as soon as
// the apply thread has applied up to it.
#include "http/completion_batch.h"
#include "server/raft_loop.h"

namespace larch::server {

using consensus::RequestOutcome;

bool RaftLoop::forwarded_round_open() const {
  // A follower keeps one forwarded round in flight, as etcd's linearizable read loop does:
  // reads arriving meanwhile share the next round instead of each drain forwarding its own
  // (a three-member qget through a follower: ~10 % less CPU per read, docs/benchmarks.md).
  // A leader's own rounds need no such rule: the core already runs one heartbeat round at a
  // time and queues the requests behind it. A forwarded round unanswered for two heartbeat
  // intervals (lost with a leader change or a dropped connection) holds nothing back: its
  // own reads still wait for a late answer or their deadline, as before.
  if (forwarded_ctx_.empty() || core_->role() != consensus::Role::kFollower) return false;
  if (!reads_in_flight_.contains(forwarded_ctx_)) return false;
  return clock_() - forwarded_since_ns_ < 2 * options_.tick_ns;
}

void RaftLoop::start_next_read_round() {
  if (reads_next_.empty() || forwarded_round_open()) return;
  std::vector<ReadWaiter> waiters;
  waiters.swap(reads_next_);
  start_read_round(std::move(waiters));
}

void RaftLoop::start_read_round(std::vector<ReadWaiter> waiters) {
  std::string ctx = std::to_string(next_read_ctx_++);
  auto r = core_->read_index(ctx);
  if (r.outcome == RequestOutcome::kForwarded) {
    forwarded_ctx_ = ctx;
    forwarded_since_ns_ = clock_();
  }
  if (r.outcome == RequestOutcome::kAccepted || r.outcome == RequestOutcome::kForwarded) {
    auto& slot = reads_in_flight_[ctx];
    for (auto& w : waiters) slot.push_back(std::move(w));
  } else {
    for (auto& w : waiters) reads_retry_.push_back(std::move(w));
  }
}

void RaftLoop::serve_read_states(const std::vector<consensus::ReadState>& states) {
  for (const auto& rs : states) {
    auto it = reads_in_flight_.find(rs.context);
    if (it == reads_in_flight_.end()) continue;
    for (auto& w : it->second) reads_awaiting_apply_.emplace(rs.index, std::move(w));
    reads_awaiting_.store(!reads_awaiting_apply_.empty());
    reads_in_flight_.erase(it);
  }
}

void RaftLoop::release_reads() {
  uint64_t applied = applied_index_.load();
  auto end = reads_awaiting_apply_.upper_bound(applied);
  http::CompletionBatch<bool> batch;  // one post per I/O thread for the whole round
  for (auto it = reads_awaiting_apply_.begin(); it != end; ++it) batch.add(it->second.done, true);
  batch.post_all();
  reads_awaiting_apply_.erase(reads_awaiting_apply_.begin(), end);
  reads_awaiting_.store(!reads_awaiting_apply_.empty());
}

void RaftLoop::expire_reads(int64_t now_ns) {
  auto expire_vec = [&](std::vector<ReadWaiter>& ws) {
    std::vector<ReadWaiter> keep;
    for (auto& w : ws) {
      if (w.deadline_ns <= now_ns)
        w.done(false);
      else
        keep.push_back(std::move(w));
    }
    ws.swap(keep);
  };
  for (auto it = reads_in_flight_.begin(); it != reads_in_flight_.end();) {
    expire_vec(it->second);
    it = it->second.empty() ? reads_in_flight_.erase(it) : std::next(it);
  }
  for (auto it = reads_awaiting_apply_.begin(); it != reads_awaiting_apply_.end();) {
    if (it->second.deadline_ns <= now_ns) {
      it->second.done(false);
      it = reads_awaiting_apply_.erase(it);
    } else {
      ++it;
    }
  }
  expire_vec(reads_retry_);
  expire_vec(reads_next_);
}

}  // namespace larch::server
