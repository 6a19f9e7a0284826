#pragma once
// KvService for the HTTP layer: writes and read barriers go to the raft thread, reads and
// watch registration run on the calling I/O thread against a pooled read connection.
#include <chrono>

#include "http/kv_service.h"
#include "server/member_directory.h"
#include "server/raft_loop.h"
#include "server/reader_pool.h"
#include "server/store_counters.h"
#include "server/traffic_meter.h"
#include "store/key_store.h"
#include "store/live_key_space.h"
#include "store/watch_hub.h"
#include "transport/transport.h"

namespace larch::server {

// Append traffic to and from peers, for /v2/stats/self.
struct PeerMeters {
  TrafficMeter sent, received;
  const transport::Transport* transport = nullptr;  // per-follower send statistics
};

struct Identity {
  uint64_t cluster_id = 0;
  http::MemberInfo self;
  std::vector<http::MemberInfo> members;
  // The raft index the member list reflects: 0 for a founding member; for one that joined
  // a running cluster, the index its list was fetched at (later changes come from the log).
  uint64_t conf_index = 0;
};

class KvServer : public http::KvService {
 public:
  // GETs are served from keys.live() (the applied key space in memory); readers serve
  // history replay for watches.
  KvServer(RaftLoop& raft, const store::KeyStore& keys, ReaderPool& readers, store::WatchHub& hub,
           StoreCounters& counters, Identity identity, const MemberDirectory& directory,
           const PeerMeters& meters, int64_t start_time_ns)
      : raft_(raft),
        keys_(keys),
        live_(keys.live()),
        readers_(readers),
        hub_(hub),
        counters_(counters),
        identity_(std::move(identity)),
        directory_(directory),
        meters_(meters),
        start_time_ns_(start_time_ns) {}

  void write(store::Command cmd, std::function<void(http::WriteReply)> done) override {
    raft_.propose(std::move(cmd), std::move(done));
  }
  void read_barrier(std::function<void(bool)> done) override {
    raft_.read_barrier(std::move(done));
  }
  store::GetResult get(const std::string& key, bool recursive, bool sorted) override;
  store::WatchRegistration watch(const store::WatchSpec& spec,
                                 std::shared_ptr<store::WatchSink> sink) override;
  void cancel_watch(uint64_t id) override { hub_.cancel(id); }

  http::RaftStatus raft_status() const override { return raft_.status(); }
  http::ProposalCounts proposal_counts() const override { return raft_.proposal_counts(); }
  const util::Histogram* log_sync_durations() const override { return &raft_.log_sync_durations(); }
  uint64_t cluster_id() const override { return identity_.cluster_id; }
  http::MemberInfo self() const override { return identity_.self; }
  std::vector<http::MemberInfo> members() const override { return directory_.members(); }
  uint64_t leader_id() const override { return raft_.leader(); }
  int64_t start_time_ns() const override { return start_time_ns_; }
  int64_t leader_since_ns() const override { return raft_.leader_since_ns(); }
  http::StoreCounters counters() const override { return counters_.snapshot(); }
  void count_get(bool success) override { counters_.count_get(success); }
  size_t watcher_count() const override { return hub_.count(); }
  int64_t now_ns() const override;
  http::PeerTraffic peer_traffic() const override;
  std::vector<http::FollowerStats> follower_stats() const override;
  std::vector<http::PeerActivity> peer_activity() const override;
  void change_member(http::MemberChange change,
                     std::function<void(http::WriteReply)> done) override;
  bool member_removed(uint64_t id) const override { return directory_.is_removed(id); }
  bool auth_enabled() const override { return keys_.auth_enabled(); }
  std::shared_ptr<const auth::AuthState> auth_state() const override { return keys_.auth_state(); }

 private:
  RaftLoop& raft_;
  const store::KeyStore& keys_;
  const store::LiveKeySpace& live_;
  ReaderPool& readers_;
  store::WatchHub& hub_;
  StoreCounters& counters_;
  Identity identity_;
  const MemberDirectory& directory_;
  const PeerMeters& meters_;
  int64_t start_time_ns_;
};

// Wall clock in Unix ns.
int64_t unix_now_ns();

}  // namespace larch::server
