#include "util/histogram.h"

#include <cstdio>

#include "util/metric_header.h"

namespace larch::util {
namespace {

void append_double(std::string& out, double v) {
  char buf[32];
  int n = std::snprintf(buf, sizeof buf, "%.9g", v);
  out.append(buf, static_cast<size_t>(n));
}

}  // namespace

Histogram::Histogram(std::chrono::nanoseconds first_bound, size_t buckets)
    : first_ns_(first_bound.count()), buckets_n_(buckets < kMaxBuckets ? buckets : kMaxBuckets) {}

void Histogram::observe(std::chrono::nanoseconds d) {
  int64_t ns = d.count() < 0 ? 0 : d.count();
  size_t i = 0;
  while (i < buckets_n_ && ns > bound_ns(i)) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  sum_ns_.fetch_add(static_cast<uint64_t>(ns), std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
}

void Histogram::render(std::string& out, std::string_view name, std::string_view help) const {
  append_metric_header(out, name, help, "histogram");
  render_samples(out, name, {});
}

void Histogram::render_samples(std::string& out, std::string_view name,
                               std::string_view labels) const {
  std::string prefix = labels.empty() ? std::string() : std::string(labels) + ",";
  uint64_t cumulative = 0;
  for (size_t i = 0; i <= buckets_n_; ++i) {
    cumulative += buckets_[i].load(std::memory_order_relaxed);
    out.append(name).append("_bucket{").append(prefix).append("le=\"");
    if (i < buckets_n_) {
      append_double(out, static_cast<double>(bound_ns(i)) / 1e9);
    } else {
      out += "+Inf";
    }
    out.append("\"} ").append(std::to_string(cumulative)).append("\n");
  }
  std::string braces = labels.empty() ? std::string() : "{" + std::string(labels) + "}";
  out.append(name).append("_sum").append(braces).append(" ");
  append_double(out, static_cast<double>(sum_ns_.load(std::memory_order_relaxed)) / 1e9);
  out.append("\n").append(name).append("_count").append(braces).append(" ");
  out.append(std::to_string(count_.load(std::memory_order_relaxed))).append("\n");
}

}  // namespace larch::util
