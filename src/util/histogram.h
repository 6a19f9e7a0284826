#pragma once
// A Prometheus histogram of durations with fixed upper bounds, e.g. etcd's
// etcd_disk_wal_fsync_duration_seconds (1 ms doubling to 8.192 s). observe() from one or more
// threads, render() from any: relaxed atomics (a scrape may see a count one observation ahead
// of the sum; Prometheus tolerates that).
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace larch::util {

class Histogram {
 public:
  static constexpr size_t kBuckets = 14;  // 0.001 s, 0.002 s, ... 8.192 s, then +Inf

  void observe(std::chrono::nanoseconds d);

  // Appends "# HELP", "# TYPE name histogram", the cumulative name_bucket{le="..."} lines,
  // name_sum (seconds) and name_count.
  void render(std::string& out, std::string_view name, std::string_view help) const;

  uint64_t count() const { return count_.load(std::memory_order_relaxed); }

 private:
  std::array<std::atomic<uint64_t>, kBuckets + 1> buckets_{};  // the last: above every bound
  std::atomic<uint64_t> sum_ns_{0};
  std::atomic<uint64_t> count_{0};
};

}  // namespace larch::util
