#pragma once
// What the HTTP layer needs from the server, declared here by its consumer (src/http) and
// implemented by src/server, so http never includes server.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "auth/auth_state.h"
#include "store/command.h"
#include "store/key_reader.h"
#include "store/key_store.h"
#include "store/watch_hub.h"
#include "util/histogram.h"

namespace larch::http {

// Outcome of a write: either the store's answer or an internal failure (error 300).
struct WriteReply {
  bool internal_error = false;
  std::string internal_cause;  // e.g. "etcdserver: request timed out"
  store::ApplyResult result;
};

struct RaftStatus {
  uint64_t commit_index = 0;
  uint64_t term = 0;
  bool has_leader = false;
  bool is_leader = false;
  uint64_t applied_index = 0;
  uint64_t leader_changes = 0;  // times a (new) leader was seen, the first election included
};

// Writes this member proposed, for /metrics (kept out of RaftStatus, which every keys
// response reads: these take the pending table's lock).
struct ProposalCounts {
  uint64_t pending = 0;  // waiting for their entry to apply
  uint64_t failed = 0;   // timed out or cut off by a stop
};

struct MemberInfo {
  uint64_t id = 0;
  std::string name;
  std::vector<std::string> peer_urls;
  std::vector<std::string> client_urls;
};

// Success/failure counters of /v2/stats/store, in etcd's field order.
struct StoreCounters {
  uint64_t gets_success, gets_fail, sets_success, sets_fail, delete_success, delete_fail,
      update_success, update_fail, create_success, create_fail, cas_success, cas_fail, cad_success,
      cad_fail, expire_count;
};

// Raft append traffic for /v2/stats/self: counts since start, rates over the last second
// (rates of 0 are omitted from the JSON, as etcd does).
struct PeerTraffic {
  uint64_t send_append_count = 0, recv_append_count = 0;
  double send_pkg_rate = 0, send_bandwidth_rate = 0, recv_pkg_rate = 0, recv_bandwidth_rate = 0;
};

// One follower in /v2/stats/leader: round-trip latencies in milliseconds, and the number of
// successful / failed sends to it.
struct FollowerStats {
  uint64_t id = 0;
  double current_ms = 0, average_ms = 0, stddev_ms = 0, min_ms = 0, max_ms = 0;
  uint64_t success = 0, fail = 0;
};

// How long this member has reached a peer without a failed exchange (0: not reachable now).
struct PeerActivity {
  uint64_t id = 0;
  int64_t active_for_ns = 0;
};

// A runtime membership change (/v2/members POST, PUT, DELETE).
enum class MemberChangeKind { kAdd, kUpdate, kRemove };
struct MemberChange {
  MemberChangeKind kind = MemberChangeKind::kAdd;
  uint64_t id = 0;
  std::vector<std::string> peer_urls;  // add and update
};

class KvService {
 public:
  virtual ~KvService() = default;

  // Proposes cmd; done is called exactly once, on an arbitrary thread, after the command was
  // applied locally (or with internal_error after the request timeout).
  virtual void write(store::Command cmd, std::function<void(WriteReply)> done) = 0;
  // Linearizable read barrier (ReadIndex): done(true) once local state includes everything
  // committed before the call; done(false) on timeout / no leader.
  virtual void read_barrier(std::function<void(bool)> done) = 0;
  // Local read from this member's state. Any I/O thread.
  virtual store::GetResult get(const std::string& key, bool recursive, bool sorted) = 0;
  // Registers a watcher (answering from history when possible). Any I/O thread.
  virtual store::WatchRegistration watch(const store::WatchSpec& spec,
                                         std::shared_ptr<store::WatchSink> sink) = 0;
  virtual void cancel_watch(uint64_t id) = 0;

  virtual RaftStatus raft_status() const = 0;
  virtual uint64_t cluster_id() const = 0;
  virtual MemberInfo self() const = 0;
  virtual std::vector<MemberInfo> members() const = 0;
  virtual uint64_t leader_id() const = 0;
  virtual int64_t start_time_ns() const = 0;
  virtual int64_t leader_since_ns() const = 0;
  virtual StoreCounters counters() const = 0;
  virtual void count_get(bool success) = 0;
  virtual size_t watcher_count() const = 0;
  virtual int64_t now_ns() const = 0;  // wall clock, for TTLs parsed at the edge
  virtual PeerTraffic peer_traffic() const { return {}; }
  virtual ProposalCounts proposal_counts() const { return {}; }
  // Durations of the raft log's durable commits (WAL write + fdatasync); null if not kept.
  virtual const util::Histogram* log_sync_durations() const { return nullptr; }
  virtual std::vector<FollowerStats> follower_stats() const { return {}; }
  // Every peer this member sends to (all other members), for --strict-reconfig-check.
  virtual std::vector<PeerActivity> peer_activity() const { return {}; }
  // Replicates a membership change; done (any thread) once it was applied here, or with
  // internal_error (refused, another change pending, timeout).
  virtual void change_member(MemberChange change, std::function<void(WriteReply)> done) {
    (void)change;
    WriteReply r;
    r.internal_error = true;
    done(std::move(r));
  }
  // True for a member that was removed from the cluster (ids are never reused).
  virtual bool member_removed(uint64_t id) const {
    (void)id;
    return false;
  }
  // The applied v2 auth state (spec §9); auth_enabled() is its `enabled` flag, cheap enough
  // to ask per request. Any thread. A service without auth reports it disabled.
  virtual bool auth_enabled() const { return false; }
  virtual std::shared_ptr<const auth::AuthState> auth_state() const {
    return std::make_shared<const auth::AuthState>();
  }
};

}  // namespace larch::http
