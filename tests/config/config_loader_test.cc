#include "config/config_loader.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "../temp_dir.h"
#include "config/env_file.h"

using namespace larch::config;
using larch::testing::TempDir;
using Env = std::map<std::string, std::string>;
using Args = std::vector<std::string>;

namespace {

// The spec's minimal loopback single-member invocation (§11.2).
Args spec_args(const std::string& data_dir) {
  return {"--enable-v2=true",
          "--data-dir",
          data_dir,
          "--listen-client-urls",
          "http://127.0.0.1:22379",
          "--advertise-client-urls",
          "http://127.0.0.1:22379",
          "--listen-peer-urls",
          "http://127.0.0.1:22380",
          "--initial-advertise-peer-urls",
          "http://127.0.0.1:22380",
          "--initial-cluster",
          "default=http://127.0.0.1:22380"};
}

Args plus(Args a, const Args& more) {
  a.insert(a.end(), more.begin(), more.end());
  return a;
}

bool logged(const ConfigResult& r, const std::string& text) {
  return std::any_of(r.log.begin(), r.log.end(),
                     [&](const LogLine& l) { return l.text.find(text) != std::string::npos; });
}

std::string fail_message(const Args& args, const Env& env = {}) {
  auto r = load_config(args, env);
  CHECK(r.action == LoadAction::kFail);
  return r.error;
}

const char* kSpecYaml = R"(name: 'yamlnode'
data-dir: yamlnode.etcd
wal-dir:
snapshot-count: 10000
heartbeat-interval: 100
election-timeout: 1000
listen-peer-urls: http://127.0.0.1:52380
listen-client-urls: http://127.0.0.1:52379
initial-advertise-peer-urls: http://127.0.0.1:52380
advertise-client-urls: http://127.0.0.1:52379
initial-cluster: yamlnode=http://127.0.0.1:52380
initial-cluster-token: 'yaml-cluster'
initial-cluster-state: 'new'
enable-v2: true
max-request-bytes: 1572864
strict-reconfig-check: true
cors: '*'
host-whitelist: '*'
log-level: info
logger: capnslog
log-outputs: [default]
debug: false
client-transport-security:
  cert-file:
  key-file:
  client-cert-auth: false
  trusted-ca-file:
  auto-tls: false
peer-transport-security:
  cert-file:
  key-file:
  client-cert-auth: false
  trusted-ca-file:
  auto-tls: false
)";

const char* kSpecEnvFile = R"(#[Member]
ETCD_NAME="envnode"
ETCD_DATA_DIR="envnode.etcd"
ETCD_LISTEN_CLIENT_URLS="http://127.0.0.1:52379"
ETCD_LISTEN_PEER_URLS="http://127.0.0.1:52380"
ETCD_HEARTBEAT_INTERVAL="50"
ETCD_ELECTION_TIMEOUT="500"
ETCD_ENABLE_V2="true"
#[Clustering]
ETCD_ADVERTISE_CLIENT_URLS="http://127.0.0.1:52379"
ETCD_INITIAL_ADVERTISE_PEER_URLS="http://127.0.0.1:52380"
ETCD_INITIAL_CLUSTER="envnode=http://127.0.0.1:52380"
ETCD_INITIAL_CLUSTER_STATE="new"
ETCD_INITIAL_CLUSTER_TOKEN="env-cluster"
#[Security]
#ETCD_CERT_FILE="/path/to/server.crt"
#ETCD_KEY_FILE="/path/to/server.key"
#ETCD_CLIENT_CERT_AUTH="false"
#ETCD_TRUSTED_CA_FILE="/path/to/ca.crt"
#ETCD_PEER_CERT_FILE=""
#ETCD_PEER_KEY_FILE=""
#ETCD_PEER_CLIENT_CERT_AUTH="false"
#ETCD_PEER_TRUSTED_CA_FILE=""
#[Logging]
#ETCD_LOG_LEVEL="info"
)";

void check_spec_env_node(const Config& c) {
  CHECK(c.name == "envnode");
  CHECK(c.data_dir == "envnode.etcd");
  CHECK(c.listen_client_urls[0].port == 52379);
  CHECK(c.listen_peer_urls[0].port == 52380);
  CHECK(c.heartbeat_interval_ms == 50);
  CHECK(c.election_timeout_ms == 500);
  CHECK(c.enable_v2);
  CHECK(c.advertise_client_urls[0].text == "http://127.0.0.1:52379");
  CHECK(c.initial_cluster_text() == "envnode=http://127.0.0.1:52380");
  CHECK(c.initial_cluster_token == "env-cluster");
  CHECK(c.cert_file.empty());
}

}  // namespace

TEST_CASE("loader: the spec's minimal invocation", "[loader]") {
  TempDir dir;
  auto data = (dir.path() / "data").string();
  auto r = load_config(spec_args(data), {});
  REQUIRE(r.action == LoadAction::kRun);
  CHECK(r.exit_code == 0);
  const Config& c = r.config;
  CHECK(c.name == "default");
  CHECK(c.data_dir == data);
  CHECK(c.enable_v2);
  REQUIRE(c.listen_client_urls.size() == 1);
  CHECK(c.listen_client_urls[0].host == "127.0.0.1");
  CHECK(c.listen_client_urls[0].port == 22379);
  CHECK(c.advertise_client_urls[0].text == "http://127.0.0.1:22379");
  CHECK(c.listen_peer_urls[0].port == 22380);
  CHECK(c.initial_cluster_text() == "default=http://127.0.0.1:22380");
  CHECK(c.request_timeout_ms() == 7000);
}

TEST_CASE("loader: no arguments gives etcd's defaults", "[loader]") {
  auto r = load_config({}, {{"HOME", "/root"}});
  REQUIRE(r.action == LoadAction::kRun);
  CHECK(r.config.data_dir == "default.larch");
  CHECK(r.config.initial_cluster_text() == "default=http://localhost:2380");
  CHECK(r.config.listen_client_urls[0].text == "http://localhost:2379");
  CHECK(logged(r, "--enable-v2 is false"));
}

TEST_CASE("loader: Go flag syntaxes and last value wins", "[loader]") {
  TempDir dir;
  auto r =
      load_config(plus(spec_args((dir.path() / "d").string()),
                       {"-initial-cluster-token", "a", "--snapshot-count=7", "-debug",
                        "--initial-cluster-token=b", "-history-size=2000", "--linearizable-reads",
                        "-strict-reconfig-check=false", "--leader-follows-writes=false"}),
                  {});
  REQUIRE(r.action == LoadAction::kRun);
  CHECK(r.config.initial_cluster_token == "b");
  CHECK(r.config.snapshot_count == 7);
  CHECK(r.config.debug);
  CHECK(r.config.log_level == "debug");
  CHECK(r.config.history_size == 2000);
  CHECK(r.config.linearizable_reads);
  CHECK_FALSE(r.config.strict_reconfig_check);
  CHECK_FALSE(r.config.leader_follows_writes);
}

TEST_CASE("loader: repeated cluster flags as client test harnesses pass them", "[loader]") {
  TempDir dir;
  auto r = load_config(
      plus(spec_args((dir.path() / "d").string()),
           {"-initial-cluster", "default=http://127.0.0.1:22380,m2=http://127.0.0.1:32380",
            "-initial-cluster-state", "new", "-initial-cluster-state", "existing"}),
      {});
  REQUIRE(r.action == LoadAction::kRun);
  CHECK(r.config.initial_cluster.size() == 2);
  CHECK(r.config.initial_cluster_state == "existing");
  CHECK(r.config.joining_existing());
}

TEST_CASE("loader: name only changes data dir and initial cluster defaults", "[loader]") {
  auto r = load_config({"--name", "n1"}, {});
  REQUIRE(r.action == LoadAction::kRun);
  CHECK(r.config.data_dir == "n1.larch");
  CHECK(r.config.initial_cluster_text() == "n1=http://localhost:2380");
}

TEST_CASE("loader: ETCD_* variables fill flags not given", "[loader]") {
  TempDir dir;
  auto r =
      load_config(spec_args((dir.path() / "d").string()), {{"ETCD_INITIAL_CLUSTER_TOKEN", "tok"},
                                                           {"ETCD_SNAPSHOT_COUNT", "5"},
                                                           {"ETCD_BOGUS", "x"},
                                                           {"PATH", "/bin"}});
  REQUIRE(r.action == LoadAction::kRun);
  CHECK(r.config.initial_cluster_token == "tok");
  CHECK(r.config.snapshot_count == 5);
  CHECK(logged(r, "recognized and used environment variable ETCD_INITIAL_CLUSTER_TOKEN=tok"));
  CHECK(logged(r, "unrecognized environment variable ETCD_BOGUS=x"));
}

TEST_CASE("loader: a flag and its variable together is fatal", "[loader]") {
  TempDir dir;
  CHECK(fail_message(spec_args((dir.path() / "d").string()), {{"ETCD_DATA_DIR", "x"}}) ==
        "conflicting environment variable \"ETCD_DATA_DIR\" is shadowed by corresponding "
        "command-line flag (either unset environment variable or disable flag)");
}

TEST_CASE("loader: command-line errors", "[loader]") {
  auto unknown = load_config({"--bogus"}, {});
  CHECK(unknown.action == LoadAction::kFail);
  CHECK(unknown.error == "flag provided but not defined: -bogus");
  CHECK(unknown.exit_code == 2);
  CHECK(fail_message({"--name", "x", "foo"}) == "'foo' is not a valid flag. See 'larch --help'.");
  CHECK(fail_message({"--enable-v2", "true"}) == "'true' is not a valid flag. See 'larch --help'.");
  CHECK(fail_message({"--enable-v2=yes"}) ==
        "invalid boolean value \"yes\" for -enable-v2: parse error");
  CHECK(fail_message({"--snapshot-count=-1"}) ==
        "invalid value \"-1\" for flag -snapshot-count: parse error");
  CHECK(fail_message({"--heartbeat-interval", "0x10"}) ==
        "invalid value \"0x10\" for flag -heartbeat-interval: parse error");
  CHECK(fail_message({}, {{"ETCD_ENABLE_V2", "yes"}}) ==
        "invalid value \"yes\" for ETCD_ENABLE_V2: parse error");
  CHECK(fail_message({"--initial-cluster-state", "bogus"}) ==
        "invalid value \"bogus\" for flag -initial-cluster-state: invalid value");
  CHECK(fail_message({"--log-level", "loud"}) ==
        "invalid value \"loud\" for flag -log-level: invalid value");
}

TEST_CASE("loader: --version and --help", "[loader]") {
  auto v = load_config({"--version"}, {});
  CHECK(v.action == LoadAction::kPrintVersion);
  CHECK(v.exit_code == 0);
  CHECK(load_config({"-version=true", "--name", "x"}, {}).action == LoadAction::kPrintVersion);
  CHECK(load_config({"--version=false"}, {}).action == LoadAction::kRun);
  CHECK(load_config({"--version", "extra"}, {}).action == LoadAction::kFail);
  CHECK(load_config({"--version"}, {{"ETCD_NAME", "x"}}).action == LoadAction::kPrintVersion);

  for (const char* h : {"-h", "--help", "-help"}) {
    auto r = load_config({h}, {});
    CHECK(r.action == LoadAction::kPrintUsage);
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.usage, Catch::Contains("--initial-cluster-token 'etcd-cluster'"));
    CHECK_THAT(r.usage, Catch::Contains("--history-size"));
  }
}

TEST_CASE("loader: election timeout and heartbeat bounds", "[loader]") {
  CHECK(fail_message({"--heartbeat-interval", "0"}) ==
        "--heartbeat-interval must be >0 (set to 0ms)");
  CHECK(fail_message({"--election-timeout", "400"}) ==
        "--election-timeout[400ms] should be at least as 5 times as --heartbeat-interval[100ms]");
  CHECK(fail_message({"--election-timeout", "60000"}) ==
        "--election-timeout[60000ms] is too long, and should be set less than 50000ms");
  auto ok = load_config({"--heartbeat-interval=50", "--election-timeout=250"}, {});
  REQUIRE(ok.action == LoadAction::kRun);
  CHECK(ok.config.request_timeout_ms() == 5500);
}

TEST_CASE("loader: advertise-client-urls is required with explicit listen-client-urls",
          "[loader]") {
  const std::string msg =
      "--advertise-client-urls is required when --listen-client-urls is set explicitly";
  CHECK(fail_message({"--listen-client-urls", "http://127.0.0.1:22379"}) == msg);
  CHECK(fail_message({}, {{"ETCD_LISTEN_CLIENT_URLS", "http://127.0.0.1:22379"}}) == msg);
  auto ok = load_config({"--listen-client-urls", "http://127.0.0.1:22379"},
                        {{"ETCD_ADVERTISE_CLIENT_URLS", "http://127.0.0.1:22379"}});
  CHECK(ok.action == LoadAction::kRun);
}

TEST_CASE("loader: URL validation", "[loader]") {
  CHECK(fail_message({"--listen-peer-urls", "https://127.0.0.1:22380"}) ==
        "cannot listen on TLS for 127.0.0.1:22380: KeyFile and CertFile are not presented");
  CHECK_THAT(fail_message({"--listen-peer-urls", "unix://127.0.0.1:22380"}),
             Catch::Contains("not supported yet"));
  CHECK_THAT(fail_message({"--listen-client-urls", "http://foo.com:1", "--advertise-client-urls",
                           "http://foo.com:1"}),
             Catch::Contains("expected IP in URL for binding (http://foo.com:1)"));
  CHECK_THAT(fail_message({"--advertise-client-urls", "http://127.0.0.1"}),
             Catch::Contains("does not have the form \"host:port\""));
  CHECK_THAT(fail_message({"--cors", "http://good.example"}),
             Catch::StartsWith("invalid value \"http://good.example\" for flag -cors"));
  auto ok = load_config({"--cors", "http://good.example:8080", "--host-whitelist", "a,b"}, {});
  REQUIRE(ok.action == LoadAction::kRun);
  CHECK(ok.config.cors == std::vector<std::string>{"http://good.example:8080"});
  CHECK(ok.config.host_whitelist == std::vector<std::string>{"a", "b"});
}

TEST_CASE("loader: --name must be in --initial-cluster with matching URLs", "[loader]") {
  CHECK(fail_message({"--name", "n1", "--initial-cluster", "default=http://localhost:2380"}) ==
        "couldn't find local name \"n1\" in the initial cluster configuration");
  CHECK_THAT(fail_message({"--initial-cluster", "default=http://127.0.0.1:41999"}),
             Catch::StartsWith("--initial-cluster has default=http://127.0.0.1:41999 but "
                               "missing from --initial-advertise-peer-urls=http://localhost:2380"));
}

TEST_CASE("loader: the membership check is skipped for an existing data dir", "[loader]") {
  TempDir dir;
  auto data = dir.path() / "data";
  std::filesystem::create_directory(data);
  std::ofstream(data / "marker") << "x";
  auto r = load_config({"--name", "n1", "--data-dir", data.string(), "--initial-cluster",
                        "other=http://127.0.0.1:1"},
                       {});
  REQUIRE(r.action == LoadAction::kRun);
  CHECK(logged(r, "is not checked"));
}

TEST_CASE("loader: auto TLS's fixtures alone are not existing data", "[loader]") {
  TempDir dir;
  auto data = dir.path() / "data";
  std::filesystem::create_directories(data / "fixtures" / "client");
  std::vector<std::string> args{
      "--name", "n1", "--data-dir", data.string(), "--initial-cluster", "other=http://127.0.0.1:1"};
  CHECK(fail_message(args) ==
        "couldn't find local name \"n1\" in the initial cluster configuration");
  std::ofstream(data / "identity") << "x";
  auto r = load_config(args, {});
  REQUIRE(r.action == LoadAction::kRun);
  CHECK(logged(r, "is not checked"));
}

TEST_CASE("loader: TLS and unsupported flags are clear errors", "[loader]") {
  // The files are read at startup; the loader checks that https URLs have them.
  auto tls = load_config({"--cert-file", "/s.crt", "--key-file", "/s.key"}, {});
  REQUIRE(tls.action == LoadAction::kRun);
  CHECK(tls.config.cert_file == "/s.crt");
  CHECK(fail_message({"--listen-client-urls", "https://127.0.0.1:1", "--advertise-client-urls",
                      "https://127.0.0.1:1", "--cert-file", "/s.crt"}) ==
        "TLS key/cert (--cert-file, --key-file) must be provided for client url "
        "https://127.0.0.1:1 with HTTPS scheme");
  auto peer = load_config({}, {{"ETCD_PEER_CERT_FILE", "/p.crt"}});
  REQUIRE(peer.action == LoadAction::kRun);
  CHECK(peer.config.peer_cert_file == "/p.crt");
  // Revocation lists, allowed host names and cipher suites reach the config (tls_setup).
  auto checks = load_config(
      {"--client-crl-file", "/c.crl", "-peer-crl-file=/p.crl", "--client-cert-allowed-hostname",
       "client.example", "--cipher-suites", "TLS_A,TLS_B"},
      {{"ETCD_PEER_CERT_ALLOWED_HOSTNAME", "peer.example"}});
  REQUIRE(checks.action == LoadAction::kRun);
  CHECK(checks.config.client_crl_file == "/c.crl");
  CHECK(checks.config.peer_crl_file == "/p.crl");
  CHECK(checks.config.client_cert_allowed_hostname == "client.example");
  CHECK(checks.config.peer_cert_allowed_hostname == "peer.example");
  CHECK(checks.config.cipher_suites == std::vector<std::string>{"TLS_A", "TLS_B"});
  auto by_srv = load_config({"--discovery-srv", "example.com", "--discovery-srv-name", "a"}, {});
  REQUIRE(by_srv.action == LoadAction::kRun);
  CHECK(by_srv.config.discovery_srv == "example.com");
  CHECK(by_srv.config.discovery_srv_name == "a");
  // etcd: one bootstrap source only; any two of them together are an error.
  const std::string conflict =
      "multiple discovery or bootstrap flags are set. Choose one of \"initial-cluster\", "
      "\"discovery\" or \"discovery-srv\"";
  CHECK(fail_message({"--discovery-srv", "example.com", "--initial-cluster",
                      "default=http://localhost:2380"}) == conflict);
  CHECK(fail_message({"--discovery-srv", "example.com", "--discovery", "http://d/v2/keys/t"}) ==
        conflict);
  auto discovering = load_config({"--discovery", "https://discovery.etcd.io/x"}, {});
  REQUIRE(discovering.action == LoadAction::kRun);
  CHECK(discovering.config.discovery == "https://discovery.etcd.io/x");
  CHECK(fail_message({"--discovery", "http://d/v2/keys/t", "--initial-cluster",
                      "default=http://localhost:2380"}) == conflict);
  CHECK(fail_message({"--discovery", "http://d/v2/keys/t"},
                     {{"ETCD_INITIAL_CLUSTER", "default=http://localhost:2380"}}) == conflict);
  auto proxying = load_config({"--proxy", "readonly", "--proxy-failure-wait", "250",
                               "--proxy-refresh-interval=1000", "--discovery-fallback", "exit"},
                              {{"ETCD_PROXY_READ_TIMEOUT", "7"}});
  REQUIRE(proxying.action == LoadAction::kRun);
  CHECK(proxying.config.proxy == "readonly");
  CHECK(proxying.config.proxy_failure_wait_ms == 250);
  CHECK(proxying.config.proxy_refresh_interval_ms == 1000);
  CHECK(proxying.config.proxy_dial_timeout_ms == 1000);
  CHECK(proxying.config.proxy_write_timeout_ms == 5000);
  CHECK(proxying.config.proxy_read_timeout_ms == 7);
  CHECK(proxying.config.discovery_fallback == "exit");
  CHECK(load_config({}, {}).config.proxy == "off");
  CHECK(load_config({}, {}).config.discovery_fallback == "proxy");
  CHECK(fail_message({"--proxy", "foo"}) == "invalid value \"foo\" for flag -proxy: invalid value");
  CHECK(fail_message({"--discovery-fallback", "foo"}) ==
        "invalid value \"foo\" for flag -discovery-fallback: invalid value");
  CHECK(fail_message({"--proxy-failure-wait", "abc"}) ==
        "invalid value \"abc\" for flag -proxy-failure-wait: parse error");
  auto forced = load_config({"--force-new-cluster"}, {});
  REQUIRE(forced.action == LoadAction::kRun);
  CHECK(forced.config.force_new_cluster);
  CHECK(load_config({}, {{"ETCD_FORCE_NEW_CLUSTER", "true"}}).config.force_new_cluster);
  CHECK_FALSE(load_config({}, {}).config.force_new_cluster);
  auto accepted =
      load_config({"--wal-dir", "/w", "--max-wals", "3", "--logger=zap", "--log-outputs", "stderr",
                   "--enable-pprof", "--listen-metrics-urls", "http://127.0.0.1:9000", "--auto-tls",
                   "--quota-backend-bytes", "8589934592", "--proxy", "off",
                   "--experimental-initial-corrupt-check=true", "--pre-vote"},
                  {});
  REQUIRE(accepted.action == LoadAction::kRun);
  CHECK(accepted.config.wal_dir == "/w");
  CHECK(accepted.config.max_wals == 3);
  CHECK(accepted.config.logger == "zap");
  CHECK(accepted.config.log_outputs == std::vector<std::string>{"stderr"});
  CHECK(accepted.config.enable_pprof);
  REQUIRE(accepted.config.listen_metrics_urls.size() == 1);
  CHECK(accepted.config.listen_metrics_urls[0].port == 9000);
}

TEST_CASE("loader: the spec's YAML file is the only source", "[loader]") {
  TempDir dir;
  auto path = dir.write("etcd.yml", kSpecYaml);
  auto r = load_config({"--config-file", path, "--name", "ignored", "--snapshot-count", "x"},
                       {{"ETCD_NAME", "also-ignored"}, {"ETCD_HEARTBEAT_INTERVAL", "1"}});
  REQUIRE(r.action == LoadAction::kRun);
  const Config& c = r.config;
  CHECK(c.name == "yamlnode");
  CHECK(c.data_dir == "yamlnode.etcd");
  CHECK(c.wal_dir.empty());
  CHECK(c.snapshot_count == 10000);
  CHECK(c.heartbeat_interval_ms == 100);
  CHECK(c.listen_peer_urls[0].port == 52380);
  CHECK(c.advertise_client_urls[0].port == 52379);
  CHECK(c.initial_cluster_text() == "yamlnode=http://127.0.0.1:52380");
  CHECK(c.initial_cluster_token == "yaml-cluster");
  CHECK(c.enable_v2);
  CHECK(c.log_outputs == std::vector<std::string>{"default"});
  CHECK(logged(r, "other command-line flags and environment variables are ignored"));
}

TEST_CASE("loader: YAML via ETCD_CONFIG_FILE, errors and missing advertise", "[loader]") {
  TempDir dir;
  // etcd keeps the default advertise URL in YAML mode: no "advertise required" error.
  auto path = dir.write("a.yml", "name: y\nlisten-client-urls: http://127.0.0.1:1\n");
  auto r = load_config({}, {{"ETCD_CONFIG_FILE", path}});
  REQUIRE(r.action == LoadAction::kRun);
  CHECK(r.config.name == "y");
  CHECK(r.config.advertise_client_urls[0].text == "http://localhost:2379");

  auto bad = dir.write("b.yml", "snapshot-count: lots\n");
  CHECK(fail_message({"--config-file", bad}) ==
        "invalid value \"lots\" for \"snapshot-count\" in config file: parse error");
  auto tls = dir.write("c.yml",
                       "listen-client-urls: https://127.0.0.1:1\nadvertise-client-urls: "
                       "https://127.0.0.1:1\nclient-transport-security:\n  cert-file: /s.crt\n");
  CHECK(fail_message({"--config-file", tls}) ==
        "TLS key/cert (--cert-file, --key-file) must be provided for client url "
        "https://127.0.0.1:1 with HTTPS scheme");
  CHECK_THAT(fail_message({"--config-file", (dir.path() / "nope.yml").string()}),
             Catch::StartsWith("cannot read config file"));
  CHECK_THAT(fail_message({"--config-file", dir.write("d.yml", "name: [x\n")}),
             Catch::Contains("invalid YAML"));
  CHECK(fail_message({"--config-file", path, "--bogus"}) ==
        "flag provided but not defined: -bogus");
}

TEST_CASE("loader: the spec's env-style file via --config-file", "[loader]") {
  TempDir dir;
  auto path = dir.write("etcd.conf", kSpecEnvFile);
  auto r = load_config({"--config-file", path}, {});
  REQUIRE(r.action == LoadAction::kRun);
  check_spec_env_node(r.config);
  CHECK(logged(r, "recognized and used environment variable ETCD_NAME=envnode"));

  // The same file loaded as the environment (set -a; . file; set +a) gives the same config.
  auto as_env = load_config({}, *parse_env_file(kSpecEnvFile).value);
  REQUIRE(as_env.action == LoadAction::kRun);
  check_spec_env_node(as_env.config);
}

TEST_CASE("loader: env-style file precedence: flags > file > environment", "[loader]") {
  TempDir dir;
  auto path = dir.write("etcd.conf", kSpecEnvFile);
  auto r = load_config({"--config-file", path, "--initial-cluster-token", "flag-token"},
                       {{"ETCD_ELECTION_TIMEOUT", "900"}, {"ETCD_SNAPSHOT_COUNT", "77"}});
  REQUIRE(r.action == LoadAction::kRun);
  CHECK(r.config.initial_cluster_token == "flag-token");  // flag beats the file
  CHECK(r.config.election_timeout_ms == 500);             // file beats the environment
  CHECK(r.config.snapshot_count == 77);                   // environment beats the default
  CHECK(logged(r, "overrides ETCD_INITIAL_CLUSTER_TOKEN from the config file"));

  // A flag colliding with a real environment variable is still etcd's fatal conflict.
  CHECK_THAT(fail_message({"--config-file", path, "--snapshot-count", "1"},
                          {{"ETCD_SNAPSHOT_COUNT", "77"}}),
             Catch::StartsWith("conflicting environment variable \"ETCD_SNAPSHOT_COUNT\""));
  // Values in the file are validated like the environment.
  auto bad = dir.write("bad.conf", "ETCD_HEARTBEAT_INTERVAL=\"fast\"\n");
  CHECK(fail_message({"--config-file", bad}) ==
        "invalid value \"fast\" for ETCD_HEARTBEAT_INTERVAL: parse error");
  auto syntax = dir.write("syntax.conf", "ETCD_NAME=\"x\"\noops\n");
  CHECK_THAT(fail_message({"--config-file", syntax}),
             Catch::EndsWith("line 2: expected NAME=value"));
  // The advertise rule applies to env files like to the environment.
  auto listen = dir.write("listen.conf", "ETCD_LISTEN_CLIENT_URLS=\"http://127.0.0.1:1\"\n");
  CHECK(fail_message({"--config-file", listen}) ==
        "--advertise-client-urls is required when --listen-client-urls is set explicitly");
}

TEST_CASE("loader: conf/etcd.conf.example documents the defaults", "[loader]") {
  auto example = std::filesystem::path(__FILE__).parent_path().parent_path().parent_path() /
                 "conf" / "etcd.conf.example";
  std::ifstream in(example);
  REQUIRE(in);
  std::stringstream text;
  text << in.rdbuf();
  Config defaults;
  for (auto r : {load_config({"--config-file", example.string()}, {}),
                 load_config({}, *parse_env_file(text.str()).value)}) {
    REQUIRE(r.action == LoadAction::kRun);
    const Config& c = r.config;
    CHECK(c.name == "default");
    CHECK(c.data_dir == "default.larch");
    CHECK(c.listen_client_urls == defaults.listen_client_urls);
    CHECK(c.advertise_client_urls == defaults.advertise_client_urls);
    CHECK(c.listen_peer_urls == defaults.listen_peer_urls);
    CHECK(c.initial_advertise_peer_urls == defaults.initial_advertise_peer_urls);
    CHECK(c.initial_cluster_text() == "default=http://localhost:2380");
    CHECK(c.snapshot_count == defaults.snapshot_count);
    CHECK(c.heartbeat_interval_ms == defaults.heartbeat_interval_ms);
    CHECK(c.election_timeout_ms == defaults.election_timeout_ms);
    CHECK(c.max_request_bytes == defaults.max_request_bytes);
    CHECK(c.cors == defaults.cors);
    CHECK(c.host_whitelist == defaults.host_whitelist);
    CHECK(c.history_size == defaults.history_size);
    CHECK(c.linearizable_reads == defaults.linearizable_reads);
    CHECK(c.leader_follows_writes == defaults.leader_follows_writes);
    CHECK(c.log_level == "info");
    CHECK(c.enable_v2);
    CHECK_FALSE(logged(r, "unrecognized"));
  }
}
