#pragma once
// Applied batches on their way to keys.db (PendingWrites, in apply order), and the watch
// history search over them and the events table. Thread-safe: the apply thread pushes, the
// keys.db writer takes and then drops what it flushed, I/O threads search.
//
// Handover with the table (no event is ever in neither place): the queue covers every index
// from covered_from() on; a batch leaves it only after the table holds it and readers were
// told to take fresh snapshots (ReaderPool::store_changed, the `committed` step of
// KeyStore::flush). So a search that reads covered_from() = c and then takes a fresh
// snapshot finds every event below c in the table.
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string_view>
#include <vector>

#include "store/key_reader.h"
#include "store/pending_writes.h"

namespace larch::store {

class WriteQueue {
 public:
  // (from, to) -> the first matching event of the table in that window (KeyReader::find_event).
  using TableFind = std::function<HistoryResult(uint64_t from, uint64_t to)>;

  // history_limit: how many of the newest etcd indexes the history keeps (as KeyStore's).
  explicit WriteQueue(uint64_t history_limit) : limit_(history_limit) {}

  // Forgets every batch; the file holds everything up to etcd_index (open, snapshot install).
  void reset(uint64_t etcd_index);
  // Apply thread: a committed batch.
  void push(PendingWrites batch);
  // Writer: the batches queued now, oldest first. They stay valid (and queued) until
  // drop_flushed(n) with n = how many were returned.
  std::vector<const PendingWrites*> peek_all() const;
  // Writer: the first n batches are in the table; forget them.
  void drop_flushed(size_t n);

  // First event in [from, to] that reaches a watcher on key (watch_matches): the part of the
  // window below covered_from() from the table (older_in_table), the rest from the queue.
  // kCleared when from is older than the history keeps.
  HistoryResult find(std::string_view key, bool recursive, uint64_t from, uint64_t to,
                     const TableFind& older_in_table) const;

  uint64_t covered_from() const;
  size_t size() const;
  size_t footprint() const;  // memory the queued batches hold (PendingWrites::footprint)

 private:
  const uint64_t limit_;
  mutable std::mutex mu_;
  std::deque<PendingWrites> batches_;  // references stay valid across push_back
  uint64_t covered_from_ = 1;          // every index >= this is in batches_ (once applied)
  uint64_t last_index_ = 0;            // etcd index after the newest batch
  size_t footprint_ = 0;
};

}  // namespace larch::store
