#include "config/settings_applier.h"

#include <catch2/catch.hpp>

using namespace larch::config;

namespace {
std::string apply_one(const std::string& name, const std::string& value, SettingSource src) {
  Config c;
  auto err = apply_settings(Settings{{name, {value, src}}}, c);
  return err ? *err : "";
}
}  // namespace

TEST_CASE("apply_settings stores typed values", "[apply]") {
  Config c;
  auto err = apply_settings(
      Settings{
          {"name", {"n1", SettingSource::kFlag}},
          {"snapshot-count", {"42", SettingSource::kEnv}},
          {"enable-v2", {"T", SettingSource::kFlag}},
          {"listen-client-urls", {"http://127.0.0.1:1,http://127.0.0.1:2", SettingSource::kFlag}},
          {"initial-cluster", {"n1=http://127.0.0.1:3", SettingSource::kYaml}},
          {"cors", {"http://a.example:80", SettingSource::kFlag}},
          {"history-size", {"5000", SettingSource::kFlag}},
          {"quota-backend-bytes", {"-1", SettingSource::kFlag}}},
      c);
  REQUIRE_FALSE(err);
  CHECK(c.name == "n1");
  CHECK(c.snapshot_count == 42);
  CHECK(c.enable_v2);
  REQUIRE(c.listen_client_urls.size() == 2);
  CHECK(c.listen_client_urls[1].port == 2);
  REQUIRE(c.initial_cluster.size() == 1);
  CHECK(c.initial_cluster[0].peer_url.port == 3);
  CHECK(c.cors == std::vector<std::string>{"http://a.example:80"});
  CHECK(c.history_size == 5000);
}

TEST_CASE("apply_settings words errors by origin like etcd", "[apply]") {
  CHECK(apply_one("snapshot-count", "-1", SettingSource::kFlag) ==
        "invalid value \"-1\" for flag -snapshot-count: parse error");
  CHECK(apply_one("enable-v2", "yes", SettingSource::kFlag) ==
        "invalid boolean value \"yes\" for -enable-v2: parse error");
  CHECK(apply_one("enable-v2", "yes", SettingSource::kEnv) ==
        "invalid value \"yes\" for ETCD_ENABLE_V2: parse error");
  CHECK(apply_one("heartbeat-interval", "1x", SettingSource::kEnvFile) ==
        "invalid value \"1x\" for ETCD_HEARTBEAT_INTERVAL: parse error");
  CHECK(apply_one("snapshot-count", "lots", SettingSource::kYaml) ==
        "invalid value \"lots\" for \"snapshot-count\" in config file: parse error");
  CHECK(apply_one("initial-cluster-state", "bogus", SettingSource::kFlag) ==
        "invalid value \"bogus\" for flag -initial-cluster-state: invalid value");
  CHECK(apply_one("log-level", "verbose", SettingSource::kFlag) ==
        "invalid value \"verbose\" for flag -log-level: invalid value");
  CHECK(apply_one("cors", "http://good.example", SettingSource::kFlag)
            .find("invalid value \"http://good.example\" for flag -cors") == 0);
  CHECK(apply_one("listen-client-urls", "unix://127.0.0.1:1", SettingSource::kFlag)
            .find("not supported yet") != std::string::npos);
  CHECK(apply_one("listen-client-urls", "https://127.0.0.1:1", SettingSource::kFlag).empty());
  CHECK(apply_one("max-txn-ops", "x", SettingSource::kFlag) ==
        "invalid value \"x\" for flag -max-txn-ops: parse error");
}

TEST_CASE("apply_settings rejects unsupported flags unless at their default", "[apply]") {
  CHECK(apply_one("experimental-enable-v2v3", "/v2", SettingSource::kFlag) ==
        "--experimental-enable-v2v3 is not supported by larch");
  CHECK(apply_one("proxy", "on", SettingSource::kFlag).empty());
  CHECK(apply_one("experimental-enable-v2v3", "", SettingSource::kFlag).empty());
  CHECK(apply_one("discovery-proxy", "http://p:1", SettingSource::kEnv).empty());
}
