#pragma once
// Counts raft append messages and their bytes in one direction (sent or received) for
// /v2/stats/self: a running total plus the rate over the last complete second. Thread-safe
// (sends are counted on the raft thread, receipts on I/O threads).
#include <cstdint>
#include <mutex>

namespace larch::server {

struct TrafficRates {
  uint64_t count = 0;         // messages since start
  double pkg_rate = 0;        // messages per second over the last complete second
  double bandwidth_rate = 0;  // bytes per second over the last complete second
};

class TrafficMeter {
 public:
  void add(uint64_t messages, uint64_t bytes, int64_t now_ns);
  TrafficRates read(int64_t now_ns) const;

 private:
  void roll(int64_t second);  // caller holds mu_

  mutable std::mutex mu_;
  uint64_t total_ = 0;
  int64_t second_ = 0;  // the second `cur_*` counts
  uint64_t cur_msgs_ = 0, cur_bytes_ = 0;
  uint64_t prev_msgs_ = 0, prev_bytes_ = 0;  // the second before second_
};

}  // namespace larch::server
