#pragma once
// A Prometheus histogram of durations with fixed, doubling upper bounds, e.g. etcd's
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
  static constexpr size_t kMaxBuckets = 16;

  // `buckets` upper bounds (at most kMaxBuckets), the first `first_bound`, each next twice
  // the one before (Prometheus' ExponentialBuckets(first, 2, buckets)); the default is
  // etcd's disk histograms' 1 ms to 8.192 s.
  explicit Histogram(std::chrono::nanoseconds first_bound = std::chrono::milliseconds(1),
                     size_t buckets = 14);

  void observe(std::chrono::nanoseconds d);

  // Appends "# HELP", "# TYPE name histogram", the cumulative name_bucket{le="..."} lines,
  // name_sum (seconds) and name_count.
  void render(std::string& out, std::string_view name, std::string_view help) const;

  // Only the sample lines, each with `labels` (e.g. method="GET") before le: for a histogram
  // family with one child per label value, under one HELP and TYPE.
  void render_samples(std::string& out, std::string_view name, std::string_view labels) const;

  uint64_t count() const { return count_.load(std::memory_order_relaxed); }

 private:
  int64_t bound_ns(size_t i) const { return first_ns_ << i; }

  const int64_t first_ns_;
  const size_t buckets_n_;
  std::array<std::atomic<uint64_t>, kMaxBuckets + 1> buckets_{};  // past the last: above all
  std::atomic<uint64_t> sum_ns_{0};
  std::atomic<uint64_t> count_{0};
};

}  // namespace larch::util
