#include "store/write_queue.h"

#include <algorithm>

namespace larch::store {

void WriteQueue::reset(uint64_t etcd_index) {
  std::deque<PendingWrites> gone;
  std::lock_guard lock(mu_);
  gone.swap(batches_);
  footprint_ = 0;
  covered_from_ = etcd_index + 1;
  last_index_ = etcd_index;
}

void WriteQueue::push(PendingWrites batch) {
  std::lock_guard lock(mu_);
  last_index_ = batch.position().etcd_index;
  footprint_ += batch.footprint();
  batches_.push_back(std::move(batch));
}

std::vector<const PendingWrites*> WriteQueue::peek_all() const {
  std::lock_guard lock(mu_);
  std::vector<const PendingWrites*> out;
  out.reserve(batches_.size());
  for (const PendingWrites& b : batches_) out.push_back(&b);
  return out;
}

void WriteQueue::drop_flushed(size_t n) {
  std::deque<PendingWrites> gone;  // freed outside the lock
  std::lock_guard lock(mu_);
  n = std::min(n, batches_.size());
  if (n == 0) return;
  covered_from_ = batches_[n - 1].position().etcd_index + 1;
  for (size_t i = 0; i < n; ++i) {
    footprint_ -= batches_.front().footprint();
    gone.push_back(std::move(batches_.front()));
    batches_.pop_front();
  }
}

uint64_t WriteQueue::covered_from() const {
  std::lock_guard lock(mu_);
  return covered_from_;
}

size_t WriteQueue::footprint() const {
  std::lock_guard lock(mu_);
  return footprint_;
}

size_t WriteQueue::size() const {
  std::lock_guard lock(mu_);
  return batches_.size();
}

HistoryResult WriteQueue::find(std::string_view key, bool recursive, uint64_t from, uint64_t to,
                               const TableFind& older_in_table) const {
  HistoryResult queued;
  uint64_t covered = 0;
  {
    std::lock_guard lock(mu_);
    covered = covered_from_;
    // The history keeps the newest limit_ indexes (as the table's trim does), wherever they
    // are right now.
    if (last_index_ > limit_ && from <= last_index_ - limit_) {
      queued.kind = HistoryResult::Kind::kCleared;
      queued.oldest = last_index_ - limit_ + 1;
      return queued;
    }
    for (const PendingWrites& b : batches_) {
      if (b.find_event(key, recursive, std::max(from, covered), to, queued)) break;
    }
  }
  if (from < covered && from <= to) {
    HistoryResult older = older_in_table(from, std::min(to, covered - 1));
    if (older.kind != HistoryResult::Kind::kNone) return older;
  }
  return queued;
}

}  // namespace larch::store
