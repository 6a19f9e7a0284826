#include "server/kv_server.h"

#include <algorithm>
#include <cmath>

namespace larch::server {

int64_t unix_now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int64_t KvServer::now_ns() const {
  return unix_now_ns();
}

store::GetResult KvServer::get(const std::string& key, bool recursive, bool sorted) {
  int64_t now = now_ns();
  return readers_.with_reader(
      [&](ReaderPool::PooledReader& r) { return r.fresh().get(key, recursive, sorted, now); });
}

store::WatchRegistration KvServer::watch(const store::WatchSpec& spec,
                                         std::shared_ptr<store::WatchSink> sink) {
  return readers_.with_reader([&](ReaderPool::PooledReader& r) {
    // fresh() runs under the hub lock: the hub's current index was published after the
    // store generation moved, so the snapshot includes every event up to it.
    return hub_.watch(spec, std::move(sink), [&](uint64_t from, uint64_t to) {
      return r.fresh().find_event(spec.key, spec.recursive, from, to);
    });
  });
}

std::vector<http::FollowerStats> KvServer::follower_stats() const {
  std::vector<http::FollowerStats> out;
  if (!meters_.transport) return out;
  constexpr double kMs = 1e6;
  for (const auto& [id, s] : meters_.transport->stats()) {
    http::FollowerStats f;
    f.id = id;
    f.success = s.sent_messages;
    f.fail = s.failed_batches;
    if (s.rtt_count != 0) {
      double n = static_cast<double>(s.rtt_count);
      double mean = s.rtt_sum_ns / n;
      double var = std::max(0.0, s.rtt_sum_sq_ns / n - mean * mean);
      f.current_ms = static_cast<double>(s.last_rtt_ns) / kMs;
      f.average_ms = mean / kMs;
      f.stddev_ms = std::sqrt(var) / kMs;
      f.min_ms = static_cast<double>(s.rtt_min_ns) / kMs;
      f.max_ms = static_cast<double>(s.rtt_max_ns) / kMs;
    }
    out.push_back(f);
  }
  return out;
}

http::PeerTraffic KvServer::peer_traffic() const {
  int64_t now = now_ns();
  TrafficRates out = meters_.sent.read(now), in = meters_.received.read(now);
  http::PeerTraffic t;
  t.send_append_count = out.count;
  t.send_pkg_rate = out.pkg_rate;
  t.send_bandwidth_rate = out.bandwidth_rate;
  t.recv_append_count = in.count;
  t.recv_pkg_rate = in.pkg_rate;
  t.recv_bandwidth_rate = in.bandwidth_rate;
  return t;
}

}  // namespace larch::server
