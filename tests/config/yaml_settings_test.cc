#include "config/yaml_settings.h"

#include <catch2/catch.hpp>

using namespace larch::config;

TEST_CASE("yaml_settings maps keys to flag names and skips empty values", "[yaml]") {
  auto r = yaml_settings(
      "name: 'yamlnode'\n"
      "wal-dir:\n"
      "data-dir: ''\n"
      "snapshot-count: 10000\n"
      "enable-v2: true\n"
      "debug: no\n"
      "log-outputs: [default, stderr]\n"
      "cors: '*'\n"
      "unknown-key: 5\n"
      "nested-unknown: {a: 1}\n");
  REQUIRE(r.ok());
  const auto& s = *r.value;
  CHECK(s.at("name").value == "yamlnode");
  CHECK(s.at("name").source == SettingSource::kYaml);
  CHECK(s.count("wal-dir") == 0);
  CHECK(s.count("data-dir") == 0);
  CHECK(s.at("snapshot-count").value == "10000");
  CHECK(s.at("enable-v2").value == "true");
  CHECK(s.at("debug").value == "false");
  CHECK(s.at("log-outputs").value == "default,stderr");
  CHECK(s.at("cors").value == "*");
  CHECK(s.count("unknown-key") == 0);
}

TEST_CASE("yaml_settings reads nested transport security", "[yaml]") {
  auto r = yaml_settings(
      "client-transport-security:\n"
      "  cert-file: /c.crt\n"
      "  client-cert-auth: true\n"
      "  crl-file: /c.crl\n"
      "peer-transport-security:\n"
      "  key-file: /p.key\n"
      "  trusted-ca-file: /ca\n"
      "  allowed-cn: member\n");
  REQUIRE(r.ok());
  const auto& s = *r.value;
  CHECK(s.at("cert-file").value == "/c.crt");
  CHECK(s.at("client-cert-auth").value == "true");
  CHECK(s.at("client-crl-file").value == "/c.crl");
  CHECK(s.at("peer-key-file").value == "/p.key");
  CHECK(s.at("peer-trusted-ca-file").value == "/ca");
  CHECK(s.at("peer-cert-allowed-cn").value == "member");
}

TEST_CASE("yaml_settings rejects malformed documents", "[yaml]") {
  CHECK_THAT(yaml_settings("name: [unclosed\n").error, Catch::Contains("invalid YAML"));
  CHECK_FALSE(yaml_settings("- a\n- b\n").ok());
  CHECK_FALSE(yaml_settings("name: {a: 1}\n").ok());
  auto empty = yaml_settings("# nothing\n");
  REQUIRE(empty.ok());
  CHECK(empty.value->empty());
}
