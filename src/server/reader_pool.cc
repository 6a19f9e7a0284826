#include "server/reader_pool.h"

namespace larch::server {

store::KeyReader& ReaderPool::PooledReader::fresh() {
  uint64_t current = pool->generation_.load(std::memory_order_acquire);
  if (generation != current) {
    reader->end_snapshot();
    generation = current;
  }
  return *reader;
}

ReaderPool::PooledReader ReaderPool::acquire() {
  {
    std::lock_guard lock(mu_);
    if (!free_.empty()) {
      PooledReader r = std::move(free_.back());
      free_.pop_back();
      return r;
    }
  }
  return PooledReader{store::KeyReader::open(path_), 0, this};
}

void ReaderPool::release(PooledReader r) {
  if (!r.reader) return;
  std::lock_guard lock(mu_);
  free_.push_back(std::move(r));
}

void ReaderPool::store_changed() {
  uint64_t next = generation_.fetch_add(1, std::memory_order_acq_rel) + 1;
  // Idle readers would otherwise pin an old snapshot (and hold back WAL checkpoints).
  std::lock_guard lock(mu_);
  for (auto& r : free_) {
    r.reader->end_snapshot();
    r.generation = next;
  }
}

}  // namespace larch::server
