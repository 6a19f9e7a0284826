#include "config/config_validator.h"

#include <algorithm>
#include <vector>

namespace larch::config {
namespace {

std::string ms(uint64_t v) {
  return std::to_string(v) + "ms";
}

// Whether one side has a certificate and key for its https URLs: both files, or auto TLS
// with neither (a self-signed pair is generated at startup; with one of the two files etcd
// ignores auto TLS, and the missing one is the error).
bool has_identity(const std::string& cert, const std::string& key, bool auto_tls) {
  return cert.empty() ? key.empty() && auto_tls : !key.empty();
}

// https URLs need a certificate and key (the files themselves are loaded at startup).
std::optional<std::string> validate_tls(const Config& c) {
  bool client_identity = has_identity(c.cert_file, c.key_file, c.auto_tls);
  for (const auto& url : c.listen_client_urls) {
    if (url.tls() && !client_identity) {
      return "TLS key/cert (--cert-file, --key-file) must be provided for client url " + url.text +
             " with HTTPS scheme";
    }
  }
  // Metrics listeners use the client certificate (etcd: the peer listener's message).
  for (const auto& url : c.listen_metrics_urls) {
    if (url.tls() && !client_identity) {
      return "cannot listen on TLS for " + url.authority() +
             ": KeyFile and CertFile are not presented";
    }
  }
  bool peer_identity = has_identity(c.peer_cert_file, c.peer_key_file, c.peer_auto_tls);
  for (const auto& url : c.listen_peer_urls) {
    if (url.tls() && !peer_identity) {
      return "cannot listen on TLS for " + url.authority() +
             ": KeyFile and CertFile are not presented";
    }
  }
  return std::nullopt;
}

std::optional<std::string> validate_timing(const Config& c) {
  if (c.heartbeat_interval_ms == 0) {
    return "--heartbeat-interval must be >0 (set to " + ms(c.heartbeat_interval_ms) + ")";
  }
  // 5*hb > et, written without overflow.
  if (c.heartbeat_interval_ms > c.election_timeout_ms / 5) {
    return "--election-timeout[" + ms(c.election_timeout_ms) +
           "] should be at least as 5 times as --heartbeat-interval[" +
           ms(c.heartbeat_interval_ms) + "]";
  }
  if (c.election_timeout_ms > kMaxElectionTimeoutMs) {
    return "--election-timeout[" + ms(c.election_timeout_ms) +
           "] is too long, and should be set less than " + ms(kMaxElectionTimeoutMs);
  }
  return std::nullopt;
}

// etcd 3.4's checks of --logger and --log-outputs (its messages): capnslog takes exactly one
// of default/stderr/stdout; zap also takes file paths (opened at startup: LogOutputs).
std::optional<std::string> validate_logging(const Config& c) {
  if (c.logger != "capnslog" && c.logger != "zap") {
    return "unknown logger option \"" + c.logger + "\"";
  }
  const std::string kOnly = " (only supports \"default\", \"stderr\", \"stdout\")";
  if (c.log_outputs.empty()) return "unknown log-output \"\"" + kOnly;  // --log-outputs ''
  if (c.logger == "zap") return std::nullopt;
  if (c.log_outputs.size() != 1) {
    std::string got;
    for (const auto& o : c.log_outputs) got += (got.empty() ? "\"" : " \"") + o + "\"";
    return "--logger=capnslog supports only 1 value in '--log-outputs', got [" + got + "]";
  }
  const std::string& out = c.log_outputs[0];
  if (out != "default" && out != "stderr" && out != "stdout") {
    return "unknown log-output \"" + out + "\"" + kOnly;
  }
  return std::nullopt;
}

std::optional<std::string> validate_sizes(const Config& c) {
  if (c.snapshot_count == 0) return "--snapshot-count must be >0";
  if (c.max_request_bytes == 0) return "--max-request-bytes must be >0";
  if (c.client_idle_timeout_s == 0 || c.client_idle_timeout_s > 86400) {
    return "--client-idle-timeout must be between 1 and 86400 seconds";
  }
  if (c.history_size < kMinHistorySize || c.history_size > kMaxHistorySize) {
    return "--history-size must be between " + std::to_string(kMinHistorySize) + " and " +
           std::to_string(kMaxHistorySize) + " (set to " + std::to_string(c.history_size) + ")";
  }
  return std::nullopt;
}

std::vector<std::string> sorted_texts(const std::vector<Url>& urls) {
  std::vector<std::string> out;
  for (const auto& u : urls) out.push_back(u.text);
  std::sort(out.begin(), out.end());
  return out;
}

std::string join(const std::vector<std::string>& items, const std::string& prefix) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ",") + prefix + s;
  return out;
}

}  // namespace

void apply_derived_defaults(Config& c) {
  if (c.data_dir.empty()) c.data_dir = c.name + ".larch";
  if (c.initial_cluster.empty()) {
    for (const auto& url : c.initial_advertise_peer_urls)
      c.initial_cluster.push_back({c.name, url});
  }
  if (c.debug) c.log_level = "debug";
}

std::optional<std::string> validate_config(const Config& c, bool advertise_missing) {
  if (c.name.empty()) return std::string("--name must not be empty");
  if (auto err = validate_tls(c)) return err;
  if (auto err = validate_timing(c)) return err;
  if (advertise_missing) {
    return std::string(
        "--advertise-client-urls is required when --listen-client-urls is set explicitly");
  }
  if (auto err = validate_sizes(c)) return err;
  if (auto err = validate_logging(c)) return err;
  if (c.initial_cluster_state != "new" && c.initial_cluster_state != "existing") {
    return "unexpected clusterState \"" + c.initial_cluster_state + "\"";
  }
  return std::nullopt;
}

std::optional<std::string> validate_initial_cluster(const Config& c) {
  std::vector<std::string> cluster_urls;
  for (const auto& m : c.initial_cluster) {
    if (m.name == c.name) cluster_urls.push_back(m.peer_url.text);
  }
  if (cluster_urls.empty()) {
    return "couldn't find local name \"" + c.name + "\" in the initial cluster configuration";
  }
  std::sort(cluster_urls.begin(), cluster_urls.end());
  auto advertised = sorted_texts(c.initial_advertise_peer_urls);
  if (c.initial_cluster_state == "new" && cluster_urls != advertised) {
    return "--initial-cluster has " + join(cluster_urls, c.name + "=") +
           " but missing from --initial-advertise-peer-urls=" + join(advertised, "") +
           " (resolved urls: \"" + join(advertised, "") + "\" != \"" + join(cluster_urls, "") +
           "\")";
  }
  return std::nullopt;
}

}  // namespace larch::config
