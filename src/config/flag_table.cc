#include "config/flag_table.h"

#include <algorithm>
#include <cctype>
#include <type_traits>
#include <utility>

namespace larch::config {
namespace {

template <auto Member>
void assign_field(Config& c, const FlagValue& v) {
  using T = std::remove_cvref_t<decltype(std::declval<Config&>().*Member)>;
  c.*Member = std::get<T>(v);
}

template <auto Member>
FlagSpec applied(std::string_view name, FlagKind kind, std::string_view def, std::string_view usage,
                 std::string_view choices = {}) {
  return FlagSpec{name, kind, def, usage, FlagUse::kApplied, &assign_field<Member>, choices};
}

FlagSpec ignored(std::string_view name, FlagKind kind, std::string_view def,
                 std::string_view usage = "Accepted for etcd compatibility; ignored by larch.") {
  return FlagSpec{name, kind, def, usage, FlagUse::kIgnored, nullptr, {}};
}

FlagSpec unsupported(std::string_view name, FlagKind kind, std::string_view def) {
  return FlagSpec{name,
                  kind,
                  def,
                  "Not supported by larch (only the default is accepted).",
                  FlagUse::kUnsupported,
                  nullptr,
                  {}};
}

using K = FlagKind;
using C = Config;

std::vector<FlagSpec> member_flags() {
  return {
      FlagSpec{"config-file",
               K::kString,
               "",
               "Path to a YAML config file, or an ETCD_*=value "
               "environment file (see conf/etcd.conf.example).",
               FlagUse::kLoader,
               nullptr,
               {}},
      FlagSpec{"version",
               K::kBool,
               "false",
               "Print the version and exit.",
               FlagUse::kLoader,
               nullptr,
               {}},
      applied<&C::name>("name", K::kString, "default", "Human-readable name for this member."),
      applied<&C::data_dir>("data-dir", K::kString, "${name}.larch", "Path to the data directory."),
      applied<&C::wal_dir>("wal-dir", K::kString, "",
                           "Directory for the raft log (raft.db) instead of data-dir."),
      applied<&C::snapshot_count>("snapshot-count", K::kUint, "100000",
                                  "Number of committed transactions to trigger a snapshot."),
      applied<&C::heartbeat_interval_ms>("heartbeat-interval", K::kUint, "100",
                                         "Time (in milliseconds) of a heartbeat interval."),
      applied<&C::election_timeout_ms>("election-timeout", K::kUint, "1000",
                                       "Time (in milliseconds) for an election to timeout."),
      ignored("initial-election-tick-advance", K::kBool, "true"),
      applied<&C::listen_peer_urls>("listen-peer-urls", K::kListenUrls, "http://localhost:2380",
                                    "List of URLs to listen on for peer traffic."),
      applied<&C::listen_client_urls>("listen-client-urls", K::kListenUrls, "http://localhost:2379",
                                      "List of URLs to listen on for client traffic."),
      applied<&C::max_snapshots>("max-snapshots", K::kUint, "5", "Accepted; ignored."),
      applied<&C::max_wals>("max-wals", K::kUint, "5", "Accepted; ignored."),
      ignored("quota-backend-bytes", K::kInt, "0"),
      ignored("backend-batch-interval", K::kString, ""),
      ignored("backend-batch-limit", K::kUint, "0"),
      ignored("max-txn-ops", K::kUint, "128"),
      applied<&C::max_request_bytes>("max-request-bytes", K::kUint, "1572864",
                                     "Maximum client request size in bytes (larch: v2 bodies)."),
      ignored("max-concurrent-streams", K::kUint, "4294967295"),
      ignored("grpc-keepalive-min-time", K::kString, "5s"),
      ignored("grpc-keepalive-interval", K::kString, "2h"),
      ignored("grpc-keepalive-timeout", K::kString, "20s"),
      ignored("unsafe-no-fsync", K::kBool, "false"),
  };
}

std::vector<FlagSpec> clustering_flags() {
  return {
      applied<&C::initial_advertise_peer_urls>(
          "initial-advertise-peer-urls", K::kAdvertiseUrls, "http://localhost:2380",
          "List of this member's peer URLs to advertise to the rest of the cluster."),
      applied<&C::initial_cluster>("initial-cluster", K::kInitialCluster,
                                   "${name}=${initial-advertise-peer-urls}",
                                   "Initial cluster configuration for bootstrapping."),
      applied<&C::initial_cluster_state>("initial-cluster-state", K::kChoice, "new",
                                         "Initial cluster state ('new' or 'existing').",
                                         "new|existing"),
      applied<&C::initial_cluster_token>("initial-cluster-token", K::kString, "etcd-cluster",
                                         "Initial cluster token for the cluster during bootstrap."),
      applied<&C::advertise_client_urls>("advertise-client-urls", K::kAdvertiseUrls,
                                         "http://localhost:2379",
                                         "List of this member's client URLs to advertise."),
      applied<&C::discovery>("discovery", K::kString, "",
                             "Discovery URL used to bootstrap the cluster."),
      applied<&C::discovery_fallback>(
          "discovery-fallback", K::kChoice, "proxy",
          "Expected behavior ('exit' or 'proxy') when discovery services fails.", "exit|proxy"),
      applied<&C::discovery_proxy>("discovery-proxy", K::kString, "",
                                   "HTTP proxy to use for traffic to discovery service."),
      applied<&C::discovery_srv>("discovery-srv", K::kString, "",
                                 "DNS domain used to bootstrap initial cluster."),
      applied<&C::discovery_srv_name>(
          "discovery-srv-name", K::kString, "",
          "Suffix to the dns srv name queried when bootstrapping using DNS."),
      applied<&C::strict_reconfig_check>("strict-reconfig-check", K::kBool, "true",
                                         "Reject reconfiguration requests that would cause quorum "
                                         "loss."),
      ignored("pre-vote", K::kBool, "false"),
      ignored("auto-compaction-retention", K::kString, "0"),
      ignored("auto-compaction-mode", K::kString, "periodic"),
      applied<&C::enable_v2>("enable-v2", K::kBool, "false",
                             "Accepted; larch always serves the v2 API."),
  };
}

std::vector<FlagSpec> security_flags() {
  return {
      applied<&C::cert_file>("cert-file", K::kString, "",
                             "Client TLS cert file (PEM), for https client URLs."),
      applied<&C::key_file>("key-file", K::kString, "", "Client TLS key file (unencrypted PEM)."),
      applied<&C::client_cert_auth>("client-cert-auth", K::kBool, "false",
                                    "Require client certificates (their CN is the v2 auth user)."),
      applied<&C::client_crl_file>("client-crl-file", K::kString, "",
                                   "Client certificate revocation list (PEM or DER)."),
      applied<&C::client_cert_allowed_hostname>("client-cert-allowed-hostname", K::kString, "",
                                                "Allowed TLS hostname for client certificates."),
      applied<&C::trusted_ca_file>("trusted-ca-file", K::kString, "",
                                   "CA bundle that verifies client certificates."),
      applied<&C::auto_tls>("auto-tls", K::kBool, "false",
                            "Client TLS using generated self-signed certs (without --cert-file "
                            "and --key-file)."),
      applied<&C::peer_cert_file>("peer-cert-file", K::kString, "",
                                  "Peer TLS cert file (PEM), for https peer URLs."),
      applied<&C::peer_key_file>("peer-key-file", K::kString, "",
                                 "Peer TLS key file (unencrypted PEM)."),
      applied<&C::peer_client_cert_auth>("peer-client-cert-auth", K::kBool, "false",
                                         "Require peer certificates."),
      applied<&C::peer_trusted_ca_file>("peer-trusted-ca-file", K::kString, "",
                                        "CA bundle that verifies peer certificates."),
      applied<&C::peer_cert_allowed_cn>("peer-cert-allowed-cn", K::kString, "",
                                        "The only CN a peer certificate may have."),
      applied<&C::peer_cert_allowed_hostname>("peer-cert-allowed-hostname", K::kString, "",
                                              "Allowed TLS hostname for peer certificates."),
      applied<&C::peer_auto_tls>("peer-auto-tls", K::kBool, "false",
                                 "Peer TLS using generated self-signed certs (without "
                                 "--peer-cert-file and --peer-key-file)."),
      applied<&C::peer_crl_file>("peer-crl-file", K::kString, "",
                                 "Peer certificate revocation list (PEM or DER)."),
      applied<&C::cipher_suites>("cipher-suites", K::kList, "",
                                 "Comma-separated TLS 1.2 cipher suites (Go names)."),
      applied<&C::cors>("cors", K::kCors, "*",
                        "Comma-separated whitelist of origins for CORS ('*' = all)."),
      applied<&C::host_whitelist>("host-whitelist", K::kList, "*",
                                  "Acceptable hostnames from HTTP client requests ('*' = all)."),
      ignored("auth-token", K::kString, "simple"),
      ignored("bcrypt-cost", K::kUint, "10"),
      ignored("auth-token-ttl", K::kUint, "300"),
  };
}

std::vector<FlagSpec> other_flags() {
  return {
      applied<&C::enable_pprof>("enable-pprof", K::kBool, "false", "Accepted; ignored."),
      ignored("metrics", K::kString, "basic"),
      applied<&C::listen_metrics_urls>("listen-metrics-urls", K::kOptionalUrls, "",
                                       "Extra URLs serving only /metrics and /health."),
      applied<&C::logger>("logger", K::kString, "capnslog",
                          "capnslog or zap (zap: --log-outputs may name files)."),
      applied<&C::log_outputs>("log-outputs", K::kList, "default",
                               "Where the log goes: default, stderr, stdout or (zap) file paths."),
      applied<&C::log_level>("log-level", K::kChoice, "info",
                             "debug, info, warn, error, panic or fatal.",
                             "debug|info|warn|error|panic|fatal"),
      applied<&C::debug>("debug", K::kBool, "false", "Deprecated: same as --log-level=debug."),
      ignored("log-package-levels", K::kString, ""),
      applied<&C::proxy>("proxy", K::kChoice, "off",
                         "Proxy mode setting ('off', 'readonly' or 'on').", "off|readonly|on"),
      applied<&C::proxy_failure_wait_ms>(
          "proxy-failure-wait", K::kUint, "5000",
          "Time (in milliseconds) an endpoint will be held in a failed state."),
      applied<&C::proxy_refresh_interval_ms>("proxy-refresh-interval", K::kUint, "30000",
                                             "Time (in milliseconds) of the endpoints refresh "
                                             "interval."),
      applied<&C::proxy_dial_timeout_ms>(
          "proxy-dial-timeout", K::kUint, "1000",
          "Time (in milliseconds) for a dial to timeout or 0 to disable the timeout"),
      applied<&C::proxy_write_timeout_ms>(
          "proxy-write-timeout", K::kUint, "5000",
          "Time (in milliseconds) for a write to timeout or 0 to disable the timeout."),
      applied<&C::proxy_read_timeout_ms>(
          "proxy-read-timeout", K::kUint, "0",
          "Time (in milliseconds) for a read to timeout or 0 to disable the timeout."),
      ignored("experimental-initial-corrupt-check", K::kBool, "false"),
      ignored("experimental-corrupt-check-time", K::kString, "0s"),
      unsupported("experimental-enable-v2v3", K::kString, ""),
      ignored("experimental-backend-bbolt-freelist-type", K::kString, "array"),
      ignored("experimental-enable-lease-checkpoint", K::kBool, "false"),
      ignored("experimental-compaction-batch-limit", K::kInt, "1000"),
      ignored("experimental-peer-skip-client-san-verification", K::kBool, "false"),
      ignored("experimental-watch-progress-notify-interval", K::kString, "10m"),
      ignored("experimental-warning-apply-duration", K::kString, "100ms"),
      applied<&C::force_new_cluster>(
          "force-new-cluster", K::kBool, "false",
          "Force to create a new one-member cluster (from this member's existing data)."),
      applied<&C::history_size>("history-size", K::kUint, "100000",
                                "Larch: number of events kept for watch replay (>= 1000)."),
      applied<&C::linearizable_reads>("linearizable-reads", K::kBool, "false",
                                      "Larch: serve every GET as if quorum=true."),
      applied<&C::leader_follows_writes>(
          "leader-follows-writes", K::kBool, "true",
          "Larch: a member that takes most of the cluster's writes asks for the leadership."),
      applied<&C::client_idle_timeout_s>(
          "client-idle-timeout", K::kUint, "60",
          "Larch: seconds a client connection may take to send a complete request (idle "
          "keep-alive connections and slow senders are closed after it; watches are exempt)."),
  };
}

std::vector<FlagSpec> build_table() {
  std::vector<FlagSpec> all;
  for (auto part : {member_flags(), clustering_flags(), security_flags(), other_flags()}) {
    all.insert(all.end(), part.begin(), part.end());
  }
  return all;
}

}  // namespace

const std::vector<FlagSpec>& all_flags() {
  static const std::vector<FlagSpec> kTable = build_table();
  return kTable;
}

const FlagSpec* find_flag(std::string_view name) {
  const auto& table = all_flags();
  auto it =
      std::find_if(table.begin(), table.end(), [&](const FlagSpec& f) { return f.name == name; });
  return it == table.end() ? nullptr : &*it;
}

std::string env_var_name(std::string_view flag_name) {
  std::string out = "ETCD_";
  for (char c : flag_name) {
    out += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return out;
}

}  // namespace larch::config
