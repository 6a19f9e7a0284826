#include "server/kv_server.h"

#include <algorithm>
#include <cmath>

#include "store/member_table.h"
#include "util/steady_now.h"

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
  (void)sorted;  // listings are always in byte order, which satisfies both modes
  return live_.get(key, recursive, now_ns());
}

store::WatchRegistration KvServer::watch(const store::WatchSpec& spec,
                                         std::shared_ptr<store::WatchSink> sink) {
  return readers_.with_reader([&](ReaderPool::PooledReader& r) {
    // Events not yet in keys.db are in the write queue; for older ones fresh() is called
    // after the queue said where it starts, so the snapshot holds everything below
    // (WriteQueue's handover rule).
    return hub_.watch(spec, std::move(sink), [&](uint64_t from, uint64_t to) {
      return live_.history().find(spec.key, spec.recursive, from, to, [&](uint64_t f, uint64_t t) {
        return r.fresh().find_event(spec.key, spec.recursive, f, t);
      });
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

std::vector<http::PeerActivity> KvServer::peer_activity() const {
  std::vector<http::PeerActivity> out;
  if (!meters_.transport) return out;
  int64_t now = util::steady_now_ns();
  for (const auto& [id, s] : meters_.transport->stats()) {
    out.push_back({id, s.active_since_ns == 0 ? 0 : std::max<int64_t>(1, now - s.active_since_ns)});
  }
  return out;
}

void KvServer::change_member(http::MemberChange change,
                             std::function<void(http::WriteReply)> done) {
  // The entry carries etcd's own store record of the change (an internal command, one etcd
  // index), so the key space and every member's table follow the log.
  consensus::ConfChange cc;
  cc.node = change.id;
  store::Command cmd;
  cmd.op = store::OpType::kInternal;
  cmd.now_ns = now_ns();
  switch (change.kind) {
    case http::MemberChangeKind::kAdd:
    case http::MemberChangeKind::kUpdate:
      cc.type = change.kind == http::MemberChangeKind::kAdd
                    ? consensus::ConfChangeType::kAddNode
                    : consensus::ConfChangeType::kUpdateNode;
      cmd.key = store::member_raft_attributes_key(change.id);
      cmd.value = raft_attributes_json(change.peer_urls);
      break;
    case http::MemberChangeKind::kRemove:
      cc.type = consensus::ConfChangeType::kRemoveNode;
      cmd.key = store::removed_member_key(change.id);
      break;
  }
  raft_.propose_conf_change(std::move(cc), std::move(cmd), std::move(done));
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
