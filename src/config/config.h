#pragma once
// Larch's server configuration: etcd's flag set (same names, same defaults) plus a few
// Larch-only settings. Produced by load_config() (config/config_loader.h), which fills in
// derived defaults (data_dir, initial_cluster) and validates everything; after that the
// struct is plain read-only data and may be shared by any thread.
#include <cstdint>
#include <string>
#include <vector>

#include "config/url.h"

namespace larch::config {

// One "name=peerURL" entry of --initial-cluster. A member with several peer URLs appears
// once per URL, as in etcd.
struct InitialMember {
  std::string name;
  Url peer_url;
  bool operator==(const InitialMember&) const = default;
};

inline Url default_url(uint16_t port) {
  return Url{"http", "localhost", port, "http://localhost:" + std::to_string(port)};
}

struct Config {
  // --- member ---
  std::string name = "default";
  // Default "<name>.larch": Larch's own on-disk format, so it never opens an etcd data dir.
  std::string data_dir;
  std::string wal_dir;  // raft.db's directory when set (server/data_dir.h)
  uint64_t snapshot_count = 100000;
  uint64_t max_snapshots = 5;  // accepted, ignored
  uint64_t max_wals = 5;       // accepted, ignored
  uint64_t heartbeat_interval_ms = 100;
  uint64_t election_timeout_ms = 1000;
  std::vector<Url> listen_peer_urls{default_url(2380)};
  std::vector<Url> listen_client_urls{default_url(2379)};
  // etcd limits only v3 gRPC with this; Larch applies it to v2 request bodies.
  uint64_t max_request_bytes = 1572864;

  // --- clustering ---
  std::vector<Url> initial_advertise_peer_urls{default_url(2380)};
  std::vector<InitialMember> initial_cluster;  // default "<name>=<initial-advertise-peer-urls>"
  std::string initial_cluster_state = "new";   // "new" | "existing"
  std::string initial_cluster_token = "etcd-cluster";
  std::vector<Url> advertise_client_urls{default_url(2379)};
  bool strict_reconfig_check = true;
  std::string discovery;  // --discovery URL: bootstrap through it (server/discovery.h)
  std::string discovery_fallback = "proxy";  // "exit" | "proxy": when discovery finds it full
  std::string discovery_proxy;               // --discovery-proxy: an HTTP proxy for --discovery
  std::string discovery_srv;                 // --discovery-srv domain (server/srv_discovery.h)
  std::string discovery_srv_name;            // suffix of the SRV service names
  bool force_new_cluster = false;  // restart as the only voter (server/force_new_cluster.h)
  bool enable_v2 = false;          // accepted; Larch always serves v2

  // --- v2 proxy (proxy/proxy_server.h): forward client requests to a cluster's members ---
  std::string proxy = "off";                   // "off" | "readonly" | "on"
  uint64_t proxy_failure_wait_ms = 5000;       // a failed endpoint is skipped this long
  uint64_t proxy_refresh_interval_ms = 30000;  // how often the member list is fetched again
  uint64_t proxy_dial_timeout_ms = 1000;       // 0: none
  uint64_t proxy_write_timeout_ms = 5000;      // 0: none
  uint64_t proxy_read_timeout_ms = 0;          // 0: none (watches wait for long)

  // --- security (TLS for https URLs, auto TLS, CRLs, cipher suites: server/tls_setup.h) ---
  std::string cert_file, key_file, trusted_ca_file, client_crl_file;
  std::string client_cert_allowed_hostname;
  bool client_cert_auth = false, auto_tls = false;
  std::string peer_cert_file, peer_key_file, peer_trusted_ca_file, peer_crl_file;
  std::string peer_cert_allowed_cn, peer_cert_allowed_hostname;
  bool peer_client_cert_auth = false, peer_auto_tls = false;
  std::vector<std::string> cipher_suites;

  // --- HTTP ---
  std::vector<std::string> cors{"*"};            // "*" or "scheme://host:port" origins
  std::vector<std::string> host_whitelist{"*"};  // accepted Host names ("*" = any)

  // --- logging / profiling ---
  std::string log_level = "info";  // debug|info|warn|error|panic|fatal ("debug" if debug)
  bool debug = false;
  std::string logger = "capnslog";
  std::vector<std::string> log_outputs{"default"};
  bool enable_pprof = false;
  std::vector<Url> listen_metrics_urls;  // extra listeners serving /metrics and /health

  // --- Larch-only ---
  uint64_t history_size = 100000;       // --history-size: events kept for watch replay
  bool linearizable_reads = false;      // --linearizable-reads: every GET acts as quorum=true
  bool leader_follows_writes = true;    // --leader-follows-writes: see LeaderAffinity
  uint64_t client_idle_timeout_s = 60;  // --client-idle-timeout: seconds to send a request

  // Request/proposal timeout, as etcd derives it: 5 s + 2 x election timeout.
  uint64_t request_timeout_ms() const { return 5000 + 2 * election_timeout_ms; }
  bool joining_existing() const { return initial_cluster_state == "existing"; }
  // "n1=http://a:1,n2=http://b:2", the --initial-cluster syntax.
  std::string initial_cluster_text() const;
};

}  // namespace larch::config
