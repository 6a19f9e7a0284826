#include "consensus/inflights.h"

namespace larch::consensus {

void Inflights::add(uint64_t last_index, uint64_t bytes) {
  window_.push_back({last_index, bytes});
  bytes_ += bytes;
}

void Inflights::free_le(uint64_t index) {
  while (!window_.empty() && window_.front().last_index <= index) free_first_one();
}

void Inflights::free_first_one() {
  if (window_.empty()) return;
  bytes_ -= window_.front().bytes;
  window_.pop_front();
}

void Inflights::reset() {
  window_.clear();
  bytes_ = 0;
}

}  // namespace larch::consensus
