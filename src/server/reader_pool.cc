#include "server/reader_pool.h"

namespace larch::server {

std::unique_ptr<store::KeyReader> ReaderPool::acquire() {
  {
    std::lock_guard lock(mu_);
    if (!free_.empty()) {
      auto r = std::move(free_.back());
      free_.pop_back();
      return r;
    }
  }
  return store::KeyReader::open(path_);
}

void ReaderPool::release(std::unique_ptr<store::KeyReader> r) {
  if (!r) return;
  std::lock_guard lock(mu_);
  free_.push_back(std::move(r));
}

}  // namespace larch::server
