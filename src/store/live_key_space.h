#pragma once
// The applied key space as readers see it: the in-memory node tree plus the etcd index,
// behind a reader/writer lock, and the batches keys.db has yet to take (WriteQueue, its own
// lock). The KeyStore
// (apply thread) changes it one command at a time under the write lock, so a reader sees the
// state after some whole command, and the X-Etcd-Index it reports matches the body (etcd's v2
// store has the same granularity). What a reader sees is applied, hence committed in the raft
// log; keys.db follows behind (KeyStore::flush), which matters only after a crash (the log
// replays what the file lacks).
#include <cstdint>
#include <mutex>
#include <shared_mutex>
#include <string_view>

#include "store/key_reader.h"
#include "store/mem_tree.h"
#include "store/write_queue.h"

namespace larch::store {

class LiveKeySpace {
 public:
  explicit LiveKeySpace(uint64_t history_limit) : history_(history_limit) {}

  // GET semantics of spec §3.1, as KeyReader::get renders them from keys.db: file, directory
  // listing (hidden children omitted), recursive, byte order, root without key/indexes; ttl
  // rendered against now_ns. Any thread.
  GetResult get(std::string_view key, bool recursive, int64_t now_ns) const;
  uint64_t etcd_index() const;
  // The batches not yet in keys.db, and the history search over them and the file (watch
  // replay). Any thread.
  const WriteQueue& history() const { return history_; }

  // Writer side (the KeyStore only): hold the lock while changing tree() or the index.
  std::unique_lock<std::shared_mutex> write_lock() { return std::unique_lock(mu_); }
  MemTree& tree() { return tree_; }
  const MemTree& tree() const { return tree_; }
  WriteQueue& history() { return history_; }
  void set_etcd_index(uint64_t index) { etcd_index_ = index; }

 private:
  mutable std::shared_mutex mu_;
  MemTree tree_;
  uint64_t etcd_index_ = 0;
  WriteQueue history_;
};

}  // namespace larch::store
