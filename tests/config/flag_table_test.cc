#include "config/flag_table.h"

#include <catch2/catch.hpp>
#include <set>

using namespace larch::config;

TEST_CASE("env_var_name follows etcd's rule", "[flags]") {
  CHECK(env_var_name("initial-cluster-token") == "ETCD_INITIAL_CLUSTER_TOKEN");
  CHECK(env_var_name("name") == "ETCD_NAME");
}

TEST_CASE("flag table has unique names and covers etcd's flags", "[flags]") {
  std::set<std::string_view> names;
  for (const auto& f : all_flags()) {
    CHECK(names.insert(f.name).second);
    CHECK((f.use == FlagUse::kApplied) == (f.assign != nullptr));
  }
  for (const char* n : {"name",
                        "data-dir",
                        "wal-dir",
                        "max-snapshots",
                        "max-wals",
                        "logger",
                        "log-outputs",
                        "enable-pprof",
                        "listen-metrics-urls",
                        "auto-tls",
                        "peer-auto-tls",
                        "cipher-suites",
                        "discovery",
                        "proxy",
                        "force-new-cluster",
                        "experimental-enable-v2v3",
                        "history-size",
                        "linearizable-reads",
                        "leader-follows-writes",
                        "config-file",
                        "version",
                        "strict-reconfig-check"}) {
    INFO(n);
    CHECK(find_flag(n) != nullptr);
  }
  CHECK(find_flag("help") == nullptr);
  CHECK(find_flag("bogus") == nullptr);
}

TEST_CASE("every applied flag stores a value of its kind (its default) into Config", "[flags]") {
  // Exercises each assign() so a kind/field type mismatch fails here, not at startup.
  for (const auto& f : all_flags()) {
    if (f.use != FlagUse::kApplied) continue;
    INFO(f.name);
    std::string text(f.default_text);
    if (f.name == "data-dir") text = "x.larch";
    if (f.name == "initial-cluster") text = "default=http://localhost:2380";
    if (f.kind == FlagKind::kBool) text = "true";
    auto v = parse_flag_value(f.kind, text, f.choices);
    REQUIRE(v.ok());
    Config c;
    CHECK_NOTHROW(f.assign(c, *v.value));
  }
}
