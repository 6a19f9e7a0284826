#pragma once
// The member's data directory: layout, first-start bootstrap of the identity record, and the
// checks that refuse a foreign or damaged directory instead of silently starting afresh.
//
//   <data-dir>/identity   member id, cluster id, name, initial members (written once, fsynced)
//   <data-dir>/raft.db    raft log + hard state (SQLite, synchronous=FULL); with --wal-dir
//                         it lives there instead (etcd's place for its WAL: a dedicated
//                         disk for the fsyncs), and that directory may hold nothing else
//   <data-dir>/keys.db    key space, event history, applied index (SQLite, WAL)
//   <data-dir>/snap/      snapshot images being sent to or received from other members;
//                         emptied at each start (RaftLoopOptions::snapshot_dir)
//   <data-dir>/proxy/     a v2 proxy's directory (only): its cluster file (proxy/proxy_server.h)
//   <data-dir>/fixtures/  self-signed certificates of --auto-tls/--peer-auto-tls (etcd's
//                         place; server/tls_setup.h), possibly alone in a fresh data dir
#include <boost/asio/ssl/context.hpp>
#include <string>
#include <utility>
#include <vector>

#include "config/config.h"
#include "server/kv_server.h"

namespace larch::server {

struct DataDir {
  explicit DataDir(std::string data_dir, std::string wal_dir = {})
      : path(std::move(data_dir)), wal_path(std::move(wal_dir)) {}

  std::string path;
  std::string wal_path;  // --wal-dir; empty: `path`
  std::string log_dir() const { return wal_path.empty() ? path : wal_path; }
  std::string raft_db() const { return log_dir() + "/raft.db"; }
  std::string keys_db() const { return path + "/keys.db"; }
  std::string snap_dir() const { return path + "/snap"; }
  std::string identity_file() const { return path + "/identity"; }
};

struct OpenedDataDir {
  std::string error;   // non-empty: refuse to start, with this message
  bool fresh = false;  // true when this start bootstrapped the directory
  Identity identity;
  // With the error, when --discovery found the cluster full: its members' peer URLs (what a
  // proxy started instead, --discovery-fallback=proxy, forwards to).
  std::vector<std::string> full_cluster_peer_urls;
};

// What a data dir was initialised as: nothing yet, a member (Larch's files), or a v2 proxy
// (a "proxy" directory, as etcd lays it out). Both at once is etcd's error "invalid datadir.
// Both member and proxy directories exist." in `error`.
enum class DataDirKind { kEmpty, kMember, kProxy };
struct DataDirClass {
  DataDirKind kind = DataDirKind::kEmpty;
  std::string error;
};
DataDirClass classify_data_dir(const DataDir& dir);

// --discovery-srv (server/srv_discovery.h): cfg's initial cluster becomes the one the SRV
// records describe (a `member` must be among them). Empty, or etcd's error line.
std::string srv_initial_cluster(config::Config& cfg, bool member);

// A new proxy with --discovery: waits until the discovery service lists its cluster's `size`
// members (without registering) and sets `peers` to their peer URLs, sorted. Empty, or etcd's
// error line.
std::string discover_peer_urls(const config::Config& cfg, std::vector<std::string>& peers);

// Creates the directory (0700) on first start and writes the identity derived from the
// configuration; on later starts reads it back (initial-cluster flags are then ignored, as in
// etcd). Any non-Larch content, or a partial Larch layout, is an error — raft.db missing from
// where it is expected too, so a restart that forgets (or adds) --wal-dir refuses to start
// instead of starting with an empty log (etcd starts afresh then, losing the data). Joining a
// running cluster (--initial-cluster-state existing) asks members with https peer URLs over TLS
// with `peer_tls`. With --discovery, a first start takes its initial cluster from the
// discovery service (server/discovery.h), which may wait for the other members for long.
// Finally creates the snap/ directory, or empties it: the images an earlier run was sending
// or receiving (or half wrote) are never used again.
OpenedDataDir open_data_dir(const DataDir& dir, const config::Config& cfg,
                            boost::asio::ssl::context* peer_tls = nullptr);

}  // namespace larch::server
