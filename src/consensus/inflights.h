#pragma once
// Sliding window of append messages sent to one follower and not yet acknowledged, used
// for flow control in the replicate state (etcd's tracker.Inflights). Raft thread only.
#include <cstddef>
#include <cstdint>
#include <deque>

namespace larch::consensus {

class Inflights {
 public:
  explicit Inflights(size_t max_count) : max_count_(max_count) {}

  // Records a message whose last entry is `last_index`, carrying `bytes` of entry data.
  void add(uint64_t last_index, uint64_t bytes);
  // Forgets every message whose last index is <= `index` (the follower acked them).
  void free_le(uint64_t index);
  // Forgets the oldest message (a heartbeat response shows the follower is alive).
  void free_first_one();
  void reset();

  bool full() const { return window_.size() >= max_count_; }
  size_t count() const { return window_.size(); }
  uint64_t bytes() const { return bytes_; }

 private:
  struct Sent {
    uint64_t last_index;
    uint64_t bytes;
  };
  size_t max_count_;
  std::deque<Sent> window_;
  uint64_t bytes_ = 0;
};

}  // namespace larch::consensus
