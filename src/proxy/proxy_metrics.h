#pragma once
// The proxy's Prometheus counters under etcd's names: etcd_proxy_requests_total{method},
// etcd_proxy_handled_total{method,code} (answered by a member) and
// etcd_proxy_dropped_total{method,proxying_error} (zero_endpoints, failed_sending_request,
// failed_getting_response). Any thread; one short mutex hold per count.
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>

namespace larch::proxy {

class ProxyMetrics {
 public:
  void request(std::string_view method);
  void handled(std::string_view method, int code);
  void dropped(std::string_view method, std::string_view error);

  // The three families (HELP, TYPE and one line per label set seen), then the process_*
  // figures.
  std::string render() const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, uint64_t> requests_;                          // by method
  std::map<std::tuple<std::string, int>, uint64_t> handled_;          // by method, code
  std::map<std::tuple<std::string, std::string>, uint64_t> dropped_;  // by method, error
};

}  // namespace larch::proxy
