#include "config/env_merge.h"

#include <algorithm>
#include <catch2/catch.hpp>

using namespace larch::config;

namespace {
bool logged(const std::vector<LogLine>& log, LogSeverity sev, const std::string& text) {
  return std::any_of(log.begin(), log.end(), [&](const LogLine& l) {
    return l.severity == sev && l.text.find(text) != std::string::npos;
  });
}
}  // namespace

TEST_CASE("merge_env fills unset flags and logs each used variable", "[env]") {
  Settings s;
  std::vector<LogLine> log;
  auto err =
      merge_env({{"ETCD_NAME", "n1"}, {"ETCD_INITIAL_CLUSTER_TOKEN", "tok"}, {"PATH", "/bin"}},
                SettingSource::kEnv, s, log);
  REQUIRE_FALSE(err);
  CHECK(s.at("name").value == "n1");
  CHECK(s.at("name").source == SettingSource::kEnv);
  CHECK(s.at("initial-cluster-token").value == "tok");
  CHECK(logged(log, LogSeverity::kInfo, "recognized and used environment variable ETCD_NAME=n1"));
  CHECK(log.size() == 2);
}

TEST_CASE("merge_env: a flag plus its variable is etcd's fatal conflict", "[env]") {
  Settings s{{"name", {"x", SettingSource::kFlag}}};
  std::vector<LogLine> log;
  auto err = merge_env({{"ETCD_NAME", "x"}}, SettingSource::kEnv, s, log);
  REQUIRE(err);
  CHECK(*err ==
        "conflicting environment variable \"ETCD_NAME\" is shadowed by corresponding "
        "command-line flag (either unset environment variable or disable flag)");
  // etcd treats even an empty variable as conflicting.
  CHECK(merge_env({{"ETCD_NAME", ""}}, SettingSource::kEnv, s, log));
}

TEST_CASE("merge_env warns about unknown variables and skips empty ones", "[env]") {
  Settings s;
  std::vector<LogLine> log;
  REQUIRE_FALSE(merge_env(
      {{"ETCD_BOGUS", "1"}, {"ETCD_NAME", ""}, {"ETCD_VERSION", "3"}, {"ETCD_CONFIG_FILE", "/x"}},
      SettingSource::kEnv, s, log));
  CHECK(s.empty());
  CHECK(logged(log, LogSeverity::kWarning, "unrecognized environment variable ETCD_BOGUS=1"));
  CHECK(logged(log, LogSeverity::kWarning, "ETCD_VERSION"));
  CHECK(log.size() == 2);
}

TEST_CASE("merge_env: env-file values yield to flags and beat the environment", "[env]") {
  Settings s{{"name", {"flag", SettingSource::kFlag}}};
  std::vector<LogLine> log;
  REQUIRE_FALSE(merge_env({{"ETCD_NAME", "file"}, {"ETCD_DATA_DIR", "file.dir"}, {"OTHER", "1"}},
                          SettingSource::kEnvFile, s, log));
  CHECK(s.at("name").value == "flag");
  CHECK(logged(log, LogSeverity::kWarning, "overrides ETCD_NAME"));
  CHECK(logged(log, LogSeverity::kWarning, "OTHER"));
  REQUIRE_FALSE(merge_env({{"ETCD_DATA_DIR", "env.dir"}}, SettingSource::kEnv, s, log));
  CHECK(s.at("data-dir").value == "file.dir");
  CHECK(s.at("data-dir").source == SettingSource::kEnvFile);
}
