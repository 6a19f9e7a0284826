#pragma once
// The applied key space as readers see it: the in-memory node tree plus the etcd index,
// behind a reader/writer lock. The KeyStore (apply thread) changes it one command at a time
// under the write lock, so a reader sees the state after some whole command, and the
// X-Etcd-Index it reports matches the body (etcd's v2 store has the same granularity). What a
// reader sees is applied, hence committed in the raft log; keys.db may lag behind it until
// the batch commits, which matters only after a crash (the log replays it).
#include <cstdint>
#include <mutex>
#include <shared_mutex>
#include <string_view>

#include "store/key_reader.h"
#include "store/mem_tree.h"

namespace larch::store {

class LiveKeySpace {
 public:
  // GET semantics of spec §3.1, as KeyReader::get renders them from keys.db: file, directory
  // listing (hidden children omitted), recursive, byte order, root without key/indexes; ttl
  // rendered against now_ns. Any thread.
  GetResult get(std::string_view key, bool recursive, int64_t now_ns) const;
  uint64_t etcd_index() const;

  // Writer side (the KeyStore only): hold the lock while changing tree() or the index.
  std::unique_lock<std::shared_mutex> write_lock() { return std::unique_lock(mu_); }
  MemTree& tree() { return tree_; }
  void set_etcd_index(uint64_t index) { etcd_index_ = index; }

 private:
  mutable std::shared_mutex mu_;
  MemTree tree_;
  uint64_t etcd_index_ = 0;
};

}  // namespace larch::store
