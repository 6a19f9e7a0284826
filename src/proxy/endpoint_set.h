#pragma once
// The cluster members' client URLs a proxy forwards to (etcd's httpproxy director): the list
// is replaced on every refresh (shuffled, so proxies do not all stick to the first member, and
// every endpoint available again), and an endpoint that failed to answer is skipped for
// `failure_wait` after its failure. Thread-safe; time is passed in (steady nanoseconds), so
// tests need no sleeps.
#include <chrono>
#include <cstdint>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "config/url.h"

namespace larch::proxy {

class EndpointSet {
 public:
  EndpointSet(std::chrono::milliseconds failure_wait, uint64_t seed);

  // Replaces the endpoints with `urls` in a random order, all available. Returns one line per
  // URL that does not parse (skipped), for the log.
  std::vector<std::string> replace(const std::vector<std::string>& urls);

  // The endpoints not failed at `now_ns`, in the current order.
  std::vector<config::Url> available(int64_t now_ns) const;

  // Every endpoint's URL, failed or not, in the current order.
  std::vector<std::string> all() const;

  // `url` did not answer at `now_ns`: skip it until now + failure_wait. True when it was
  // available until now (the caller logs the change once).
  bool mark_failed(const std::string& url, int64_t now_ns);

 private:
  struct Entry {
    config::Url url;
    int64_t failed_until_ns = 0;  // available when now >= this
  };

  const int64_t failure_wait_ns_;
  mutable std::mutex mu_;
  std::mt19937_64 rng_;     // guarded by mu_
  std::vector<Entry> eps_;  // guarded by mu_
};

}  // namespace larch::proxy
