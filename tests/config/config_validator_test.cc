#include "config/config_validator.h"

#include <catch2/catch.hpp>

#include "config/value_parsers.h"

using namespace larch::config;

namespace {
std::string check(const Config& c, bool advertise_missing = false) {
  auto err = validate_config(c, advertise_missing);
  return err ? *err : "";
}
std::vector<InitialMember> cluster(const std::string& text) {
  return *parse_initial_cluster(text).value;
}
std::vector<Url> urls(const std::string& text) {
  return *parse_url_list(text, UrlRole::kAdvertise, false).value;
}
}  // namespace

TEST_CASE("defaults are etcd's, with Larch's data dir", "[validate]") {
  Config c;
  apply_derived_defaults(c);
  CHECK(c.name == "default");
  CHECK(c.data_dir == "default.larch");
  CHECK(c.initial_cluster_text() == "default=http://localhost:2380");
  CHECK(c.listen_client_urls[0].text == "http://localhost:2379");
  CHECK(c.advertise_client_urls[0].port == 2379);
  CHECK(c.listen_peer_urls[0].port == 2380);
  CHECK(c.initial_advertise_peer_urls[0].text == "http://localhost:2380");
  CHECK(c.initial_cluster_state == "new");
  CHECK(c.initial_cluster_token == "etcd-cluster");
  CHECK(c.heartbeat_interval_ms == 100);
  CHECK(c.election_timeout_ms == 1000);
  CHECK(c.snapshot_count == 100000);
  CHECK_FALSE(c.enable_v2);
  CHECK(c.max_request_bytes == 1572864);
  CHECK(c.cors == std::vector<std::string>{"*"});
  CHECK(c.host_whitelist == std::vector<std::string>{"*"});
  CHECK(c.log_level == "info");
  CHECK(c.strict_reconfig_check);
  CHECK(c.history_size == 100000);
  CHECK_FALSE(c.linearizable_reads);
  CHECK(c.request_timeout_ms() == 7000);
  CHECK(check(c).empty());
  CHECK_FALSE(validate_initial_cluster(c));
}

TEST_CASE("derived defaults follow the name and the advertised peer URLs", "[validate]") {
  Config c;
  c.name = "n1";
  c.initial_advertise_peer_urls = urls("http://127.0.0.1:1,http://127.0.0.1:2");
  c.debug = true;
  apply_derived_defaults(c);
  CHECK(c.data_dir == "n1.larch");
  CHECK(c.initial_cluster_text() == "n1=http://127.0.0.1:1,n1=http://127.0.0.1:2");
  CHECK(c.log_level == "debug");
  CHECK_FALSE(validate_initial_cluster(c));

  Config explicit_dir;
  explicit_dir.data_dir = "/var/lib/x";
  apply_derived_defaults(explicit_dir);
  CHECK(explicit_dir.data_dir == "/var/lib/x");
}

TEST_CASE("heartbeat and election timeout bounds", "[validate]") {
  Config c;
  c.heartbeat_interval_ms = 0;
  CHECK(check(c) == "--heartbeat-interval must be >0 (set to 0ms)");
  c.heartbeat_interval_ms = 100;
  c.election_timeout_ms = 400;
  CHECK(check(c) ==
        "--election-timeout[400ms] should be at least as 5 times as --heartbeat-interval[100ms]");
  c.election_timeout_ms = 500;
  CHECK(check(c).empty());
  c.election_timeout_ms = 50000;
  CHECK(check(c).empty());
  c.election_timeout_ms = 50001;
  CHECK(check(c) == "--election-timeout[50001ms] is too long, and should be set less than 50000ms");
  c.election_timeout_ms = 1000;
  c.heartbeat_interval_ms = UINT64_MAX;  // 5*hb would overflow
  CHECK_FALSE(check(c).empty());
}

TEST_CASE("size bounds", "[validate]") {
  Config c;
  c.snapshot_count = 0;
  CHECK(check(c) == "--snapshot-count must be >0");
  c = Config{};
  c.history_size = 999;
  CHECK_THAT(check(c), Catch::StartsWith("--history-size must be between 1000"));
  c.history_size = 1000;
  CHECK(check(c).empty());
  c = Config{};
  c.max_request_bytes = 0;
  CHECK(check(c) == "--max-request-bytes must be >0");
}

TEST_CASE("https URLs need a certificate and a key (etcd's messages)", "[validate]") {
  Config c;
  c.cert_file = "/s.crt";  // files alone are fine (loaded at startup)
  CHECK(check(c).empty());
  c.listen_client_urls = {*parse_url("https://127.0.0.1:2379", UrlRole::kListen).value};
  CHECK(check(c) ==
        "TLS key/cert (--cert-file, --key-file) must be provided for client url "
        "https://127.0.0.1:2379 with HTTPS scheme");
  c.key_file = "/s.key";
  CHECK(check(c).empty());
  c = Config{};
  c.listen_peer_urls = {*parse_url("https://127.0.0.1:2380", UrlRole::kListen).value};
  c.peer_key_file = "/p.key";
  CHECK(check(c) ==
        "cannot listen on TLS for 127.0.0.1:2380: KeyFile and CertFile are not presented");
  c.peer_cert_file = "/p.crt";
  CHECK(check(c).empty());
  c = Config{};  // metrics listeners use the client certificate
  c.listen_metrics_urls = {*parse_url("https://127.0.0.1:2381", UrlRole::kListen).value};
  c.peer_cert_file = "/p.crt";
  c.peer_key_file = "/p.key";
  CHECK(check(c) ==
        "cannot listen on TLS for 127.0.0.1:2381: KeyFile and CertFile are not presented");
  c.cert_file = "/s.crt";
  c.key_file = "/s.key";
  CHECK(check(c).empty());
  c = Config{};
  c.client_cert_auth = true;
  c.trusted_ca_file = "/ca";
  CHECK(check(c).empty());
}

TEST_CASE("auto TLS stands in for both files, not for one of them", "[validate]") {
  Config c;
  c.listen_client_urls = {*parse_url("https://127.0.0.1:2379", UrlRole::kListen).value};
  c.listen_peer_urls = {*parse_url("https://127.0.0.1:2380", UrlRole::kListen).value};
  c.auto_tls = true;
  CHECK_THAT(check(c), Catch::StartsWith("cannot listen on TLS for 127.0.0.1:2380"));
  c.peer_auto_tls = true;
  CHECK(check(c).empty());
  c.auto_tls = false;  // one side's flag does not cover the other
  CHECK_THAT(check(c), Catch::StartsWith("TLS key/cert (--cert-file, --key-file) must be"));
  // With one file given etcd ignores auto TLS; the other file is then missing.
  c.auto_tls = true;
  c.cert_file = "/s.crt";
  CHECK_THAT(check(c), Catch::StartsWith("TLS key/cert (--cert-file, --key-file) must be"));
  c.cert_file.clear();
  c.peer_key_file = "/p.key";
  CHECK_THAT(check(c), Catch::StartsWith("cannot listen on TLS for 127.0.0.1:2380"));
}

TEST_CASE("advertise-client-urls rule and empty name", "[validate]") {
  Config c;
  CHECK(check(c, true) ==
        "--advertise-client-urls is required when --listen-client-urls is set explicitly");
  c.name = "";
  CHECK(check(c) == "--name must not be empty");
}

TEST_CASE("initial cluster must contain this member with matching peer URLs", "[validate]") {
  Config c;
  c.initial_advertise_peer_urls = urls("http://127.0.0.1:41380");
  c.initial_cluster = cluster("other=http://127.0.0.1:41380");
  CHECK(*validate_initial_cluster(c) ==
        "couldn't find local name \"default\" in the initial cluster configuration");

  c.initial_cluster = cluster("default=http://127.0.0.1:41999,other=http://127.0.0.1:41380");
  CHECK(*validate_initial_cluster(c) ==
        "--initial-cluster has default=http://127.0.0.1:41999 but missing from "
        "--initial-advertise-peer-urls=http://127.0.0.1:41380 (resolved urls: "
        "\"http://127.0.0.1:41380\" != \"http://127.0.0.1:41999\")");

  c.initial_cluster_state = "existing";  // joining: the URLs are not compared
  CHECK_FALSE(validate_initial_cluster(c));
  c.name = "m2";
  CHECK(validate_initial_cluster(c));  // but the name must still be listed

  Config multi;
  multi.initial_advertise_peer_urls = urls("http://127.0.0.1:2,http://127.0.0.1:1");
  multi.initial_cluster = cluster("default=http://127.0.0.1:1,default=http://127.0.0.1:2");
  CHECK_FALSE(validate_initial_cluster(multi));  // order does not matter
}

TEST_CASE("logger and log outputs as etcd checks them", "[validate]") {
  Config c;
  CHECK(check(c).empty());  // capnslog, default
  c.logger = "foo";
  CHECK(check(c) == "unknown logger option \"foo\"");
  c = Config{};
  const std::string only = " (only supports \"default\", \"stderr\", \"stdout\")";
  for (const char* out : {"default", "stderr", "stdout"}) {
    c.log_outputs = {out};
    CHECK(check(c).empty());
  }
  c.log_outputs = {"/var/log/etcd.log"};
  CHECK(check(c) == "unknown log-output \"/var/log/etcd.log\"" + only);
  c.log_outputs = {"stderr", "stdout"};
  CHECK(check(c) ==
        "--logger=capnslog supports only 1 value in '--log-outputs', got [\"stderr\" \"stdout\"]");
  c.log_outputs = {};
  CHECK(check(c) == "unknown log-output \"\"" + only);
  c.logger = "zap";  // files (opened at startup), and several outputs
  c.log_outputs = {"/var/log/etcd.log", "stdout"};
  CHECK(check(c).empty());
}
