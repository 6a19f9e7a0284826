// Spec §9.5 end to end on the pure functions: the etcdctl/curl workflow, then the access
// decisions observed on etcd 3.4.23 with that setup, then a replay of the writes.
#include <catch2/catch.hpp>

#include "auth_test_util.h"

using namespace larch::auth;
using namespace larch::auth::testing;

TEST_CASE("spec 9.5 workflow", "[workflow]") {
  Server s;
  std::vector<Record> log;  // every replicated record, in order
  auto call = [&](std::string_view method, Resource r, std::string name = "",
                  std::string_view body = "") {
    ApiAnswer a = s.call(method, r, std::move(name), body);
    log.insert(log.end(), a.writes.begin(), a.writes.end());
    return a;
  };

  // etcdctl user add root
  ApiAnswer a =
      call("PUT", Resource::kUser, "root", R"({"user":"root","password":"pw","roles":null})");
  CHECK(a.status == 201);
  CHECK(a.body == "{\"user\":\"root\",\"roles\":[\"root\"]}\n");
  // etcdctl auth enable
  CHECK(call("PUT", Resource::kEnable).status == 200);
  CHECK(s.state.enabled);
  // curl -u root:pw -XPUT .../roles/guest -d '{"role":"guest","revoke":{"kv":{"write":["/*"]}}}'
  s.auth = basic("root", "pw");
  a = call("PUT", Resource::kRole, "guest", R"({"role":"guest","revoke":{"kv":{"write":["/*"]}}})");
  CHECK(a.status == 200);
  CHECK(a.body ==
        "{\"role\":\"guest\",\"permissions\":{\"kv\":{\"read\":[\"/*\"],\"write\":[]}}}\n");
  // etcdctl -u root:pw role add app
  CHECK(call("GET", Resource::kRole, "app").status == 404);
  a = call("PUT", Resource::kRole, "app",
           R"({"role":"app","permissions":{"kv":{"read":null,"write":null}}})");
  CHECK(a.status == 201);
  // role grant app --path '/app/*' --readwrite; role grant app --path '/pub' --read
  // (etcdctl's client marshals the whole Role: null permissions count as none).
  a = call("PUT", Resource::kRole, "app",
           R"({"role":"app","permissions":{"kv":{"read":null,"write":null}},)"
           R"("grant":{"kv":{"read":["/app/*"],"write":["/app/*"]}}})");
  CHECK(a.status == 200);
  a = call("PUT", Resource::kRole, "app", R"({"role":"app","grant":{"kv":{"read":["/pub"]}}})");
  CHECK(a.body ==
        "{\"role\":\"app\",\"permissions\":{\"kv\":{\"read\":[\"/app/*\",\"/pub\"],\"write\":[\"/"
        "app/*\"]}}}\n");
  // etcdctl -u root:pw user add alice; user grant alice --roles app
  CHECK(call("PUT", Resource::kUser, "alice", R"({"user":"alice","password":"apw"})").status ==
        201);
  a = call("PUT", Resource::kUser, "alice", R"({"user":"alice","roles":null,"grant":["app"]})");
  CHECK(a.status == 200);
  CHECK(a.body == "{\"user\":\"alice\",\"roles\":[\"app\"]}\n");
  // etcdctl role add x without credentials: Insufficient credentials
  s.auth.reset();
  CHECK(call("PUT", Resource::kRole, "x", R"({"role":"x"})").status == 401);

  // Observed decisions (alice = role app).
  s.auth = basic("alice", "apw");
  CHECK(s.key("/app/x", true));
  CHECK_FALSE(s.key("/app", true));
  CHECK(s.key("/app/", false, true));
  CHECK_FALSE(s.key("/app", false, true));
  CHECK(s.key("/pub", false));
  CHECK_FALSE(s.key("/pub/sub", false));
  CHECK_FALSE(s.key("/pub", true));
  CHECK_FALSE(s.key("/other", false));
  s.auth.reset();
  CHECK(s.key("/other", false));
  CHECK_FALSE(s.key("/other", true));
  s.auth = basic("alice", "apw");
  CHECK(call("GET", Resource::kUsers).status == 401);
  CHECK(call("DELETE", Resource::kEnable).status == 401);

  // etcdctl -u root:pw auth disable
  s.auth = basic("root", "pw");
  CHECK(call("DELETE", Resource::kEnable).status == 200);
  CHECK_FALSE(s.state.enabled);
  s.auth.reset();
  CHECK(s.key("/other", true));

  // Replaying the log rebuilds the same state, and records_of describes it.
  AuthState replay;
  for (const auto& r : log) REQUIRE(apply_record(replay, r));
  CHECK(replay.users == s.state.users);
  CHECK(replay.roles == s.state.roles);
  CHECK(replay.enabled == s.state.enabled);
  CHECK(records_of(replay) == records_of(s.state));
  // Index accounting as in etcd: 4 setup records + root + guest + enabled + guest update
  // + app + 2 grants + alice + alice grant + disable.
  CHECK(log.size() == 14);
}
