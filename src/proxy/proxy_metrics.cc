#include "proxy/proxy_metrics.h"

#include <utility>

#include "http/metrics_text.h"
#include "util/metric_header.h"

namespace larch::proxy {

void ProxyMetrics::request(std::string_view method) {
  std::lock_guard lock(mu_);
  ++requests_[std::string(method)];
}

void ProxyMetrics::handled(std::string_view method, int code, std::chrono::nanoseconds took) {
  std::lock_guard lock(mu_);
  ++handled_[{std::string(method), code}];
  auto it = durations_.find(std::string(method));
  if (it == durations_.end()) {
    it = durations_
             .emplace(std::piecewise_construct, std::forward_as_tuple(method),
                      std::forward_as_tuple(std::chrono::microseconds(500), 13))
             .first;
  }
  it->second.observe(took);
}

void ProxyMetrics::dropped(std::string_view method, std::string_view error) {
  std::lock_guard lock(mu_);
  ++dropped_[{std::string(method), std::string(error)}];
}

std::string ProxyMetrics::render() const {
  std::string out;
  std::lock_guard lock(mu_);
  if (!dropped_.empty()) {
    util::append_metric_header(out, "etcd_proxy_dropped_total",
                               "Counter of requests dropped on the proxy.", "counter");
    for (const auto& [k, n] : dropped_) {
      out.append("etcd_proxy_dropped_total{method=\"").append(std::get<0>(k));
      out.append("\",proxying_error=\"").append(std::get<1>(k)).append("\"} ");
      out.append(std::to_string(n)).append("\n");
    }
  }
  if (!handled_.empty()) {
    util::append_metric_header(out, "etcd_proxy_handled_total",
                               "Counter of requests fully handled (by authoratitave servers)",
                               "counter");
    for (const auto& [k, n] : handled_) {
      out.append("etcd_proxy_handled_total{code=\"").append(std::to_string(std::get<1>(k)));
      out.append("\",method=\"").append(std::get<0>(k)).append("\"} ");
      out.append(std::to_string(n)).append("\n");
    }
  }
  if (!durations_.empty()) {
    util::append_metric_header(out, "etcd_proxy_handling_duration_seconds",
                               "Bucketed histogram of handling time of successful events "
                               "(non-watches), by method (GET/PUT etc.).",
                               "histogram");
    for (const auto& [m, h] : durations_) {
      h.render_samples(out, "etcd_proxy_handling_duration_seconds", "method=\"" + m + "\"");
    }
  }
  if (!requests_.empty()) {
    util::append_metric_header(out, "etcd_proxy_requests_total",
                               "Counter requests incoming by method.", "counter");
    for (const auto& [m, n] : requests_) {
      out.append("etcd_proxy_requests_total{method=\"").append(m).append("\"} ");
      out.append(std::to_string(n)).append("\n");
    }
  }
  http::render_process_metrics(out);
  return out;
}

}  // namespace larch::proxy
