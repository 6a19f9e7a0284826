#pragma once
// The proxy's Prometheus metrics under etcd's names: etcd_proxy_requests_total{method},
// etcd_proxy_handled_total{method,code} (answered by a member),
// etcd_proxy_dropped_total{method,proxying_error} (zero_endpoints, failed_sending_request,
// failed_getting_response) and etcd_proxy_handling_duration_seconds{method} (until the
// member's response header, 0.5 ms doubling to 2.048 s, as etcd measures it). Any thread;
// one short mutex hold per count.
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>

#include "util/histogram.h"

namespace larch::proxy {

class ProxyMetrics {
 public:
  void request(std::string_view method);
  // A member answered with `code`, its header `took` after the request arrived.
  void handled(std::string_view method, int code, std::chrono::nanoseconds took);
  void dropped(std::string_view method, std::string_view error);

  // The three families (HELP, TYPE and one line per label set seen), then the process_*
  // figures.
  std::string render() const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, uint64_t> requests_;                          // by method
  std::map<std::tuple<std::string, int>, uint64_t> handled_;          // by method, code
  std::map<std::tuple<std::string, std::string>, uint64_t> dropped_;  // by method, error
  std::map<std::string, util::Histogram> durations_;                  // by method
};

}  // namespace larch::proxy
