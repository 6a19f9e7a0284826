// /v2/auth/enable (spec §9.2) and the answer shapes common to /v2/auth. Bodies, statuses and
// headers were checked against etcd 3.4.23 (curl -si).
#include <catch2/catch.hpp>

#include "auth_test_util.h"

using namespace larch::auth;
using namespace larch::auth::testing;

namespace {

const std::string kNoCreds = R"({"message":"Insufficient credentials"})";

// etcd: 200, Content-Type: application/json, X-Etcd-Cluster-Id, Content-Length: 0.
void check_empty_ok(const ApiAnswer& a) {
  CHECK(a.status == 200);
  CHECK(a.body.empty());
  CHECK(a.json);
  CHECK(a.cluster_id_header);
}

// The state after "PUT /v2/auth/users/root" on a fresh cluster.
Server with_root() {
  Server s;
  REQUIRE(s.put_user("root", R"({"user":"root","password":"pw"})").status == 201);
  return s;
}

}  // namespace

TEST_CASE("enable: GET needs no credentials, ever", "[api][enable]") {
  Server s;
  ApiAnswer a = s.call("GET", Resource::kEnable);
  CHECK(a.status == 200);
  CHECK(a.body == "{\"enabled\":false}\n");
  CHECK(a.json);
  CHECK(a.cluster_id_header);
  CHECK(a.writes.empty());
  s.state.enabled = true;
  s.auth = basic("root", "bad");  // etcd: GET with wrong credentials -> 200
  CHECK(s.call("GET", Resource::kEnable).body == "{\"enabled\":true}\n");
}

TEST_CASE("enable: PUT without a root user is 409", "[api][enable]") {
  Server s;
  check_error(s.call("PUT", Resource::kEnable), 409,
              "auth: No root user available, please create one");
}

TEST_CASE("enable: PUT creates guest, then sets the flag", "[api][enable]") {
  Server s = with_root();
  ApiAnswer a = s.call("PUT", Resource::kEnable);
  check_empty_ok(a);
  std::vector<Record> expected = {
      {"/2/roles/guest", R"({"role":"guest","permissions":{"kv":{"read":["/*"],"write":["/*"]}}})"},
      {"/2/enabled", "true"},
  };
  CHECK(a.writes == expected);  // etcd: two indexes consumed
  CHECK(s.state.enabled);
}

TEST_CASE("enable: an existing guest role is kept", "[api][enable]") {
  Server s = with_root();
  REQUIRE(
      s.put_role("guest", R"({"role":"guest","permissions":{"kv":{"read":["/pub"]}}})").status ==
      201);
  ApiAnswer a = s.call("PUT", Resource::kEnable);
  check_empty_ok(a);
  CHECK(a.writes == std::vector<Record>{{"/2/enabled", "true"}});
  CHECK(s.state.roles.at("guest").read == std::vector<std::string>{"/pub"});
}

TEST_CASE("enable: PUT while enabled", "[api][enable]") {
  Server s = with_root();
  REQUIRE(s.call("PUT", Resource::kEnable).status == 200);
  ApiAnswer a = s.call("PUT", Resource::kEnable);  // no credentials: 401, no cluster id
  CHECK(a.status == 401);
  CHECK(a.body == kNoCreds);
  CHECK(a.json);
  CHECK_FALSE(a.cluster_id_header);
  s.auth = basic("root", "bad");
  CHECK(s.call("PUT", Resource::kEnable).status == 401);
  s.auth = basic("root", "pw");
  check_error(s.call("PUT", Resource::kEnable), 409, "auth: already enabled");
}

TEST_CASE("enable: DELETE", "[api][enable]") {
  Server s = with_root();
  check_error(s.call("DELETE", Resource::kEnable), 409, "auth: already disabled");
  REQUIRE(s.call("PUT", Resource::kEnable).status == 200);
  CHECK(s.call("DELETE", Resource::kEnable).status == 401);
  s.auth = basic("root", "pw");
  ApiAnswer a = s.call("DELETE", Resource::kEnable);
  check_empty_ok(a);
  CHECK(a.writes == std::vector<Record>{{"/2/enabled", "false"}});
  CHECK_FALSE(s.state.enabled);
  // Disabled again: PUT needs nothing, the guest role now exists (one write only).
  s.auth.reset();
  CHECK(s.call("PUT", Resource::kEnable).writes == std::vector<Record>{{"/2/enabled", "true"}});
}

TEST_CASE("enable: a non-root user cannot disable", "[api][enable]") {
  Server s = with_root();
  REQUIRE(s.put_user("alice", R"({"user":"alice","password":"apw"})").status == 201);
  REQUIRE(s.call("PUT", Resource::kEnable).status == 200);
  s.auth = basic("alice", "apw");
  ApiAnswer a = s.call("DELETE", Resource::kEnable);
  CHECK(a.status == 401);
  CHECK(a.body == kNoCreds);
  CHECK_FALSE(a.cluster_id_header);
  CHECK(s.state.enabled);
}

TEST_CASE("first write on a fresh store creates etcd's directories", "[api][enable]") {
  // etcd 3.4.23: on a fresh cluster (X-Etcd-Index 3), DELETE /v2/auth/users/nobody answered
  // 404 and moved the index to 7: "/2", "/2/users/", "/2/roles/", "/2/enabled"=false.
  Server s;
  ApiAnswer a = s.call("DELETE", Resource::kUser, "nobody");
  check_error(ApiAnswer{a.status, a.body, a.json, a.cluster_id_header, {}}, 404,
              "auth: User nobody does not exist");
  std::vector<Record> dirs = {
      {"/2", ""}, {"/2/users/", ""}, {"/2/roles/", ""}, {"/2/enabled", "false"}};
  CHECK(a.writes == dirs);
  CHECK(s.state.initialized);
  CHECK(s.call("DELETE", Resource::kRole, "nobody").writes.empty());  // only once

  Server t;  // etcd: the first user creation: directories, then the user (5 indexes)
  ApiAnswer c = t.put_user("root", R"({"user":"root","password":"pw"})");
  REQUIRE(c.writes.size() == 5);
  CHECK(std::vector<Record>(c.writes.begin(), c.writes.begin() + 4) == dirs);
  CHECK(c.writes[4] ==
        Record{"/2/users/root", R"({"user":"root","password":"h:pw","roles":["root"]})"});
  // Reads and refused requests write nothing.
  Server u;
  CHECK(u.call("GET", Resource::kUsers).writes.empty());
  CHECK(u.put_user("bob", R"({"user":"bob"})").writes.empty());
  CHECK(u.put_role("root", R"({"role":"root"})").writes.empty());
  CHECK(u.call("PUT", Resource::kEnable).writes.empty());
  CHECK_FALSE(u.state.initialized);
}

TEST_CASE("methods the endpoints do not accept", "[api]") {
  Server s;
  for (auto [method, resource] :
       {std::pair{"POST", Resource::kEnable}, std::pair{"PUT", Resource::kUsers},
        std::pair{"DELETE", Resource::kRoles}, std::pair{"POST", Resource::kUser},
        std::pair{"HEAD", Resource::kRole}}) {
    ApiAnswer a = s.call(method, resource, "x");
    CHECK(a.status == 405);
    CHECK_FALSE(a.json);
    CHECK(a.writes.empty());
  }
}

TEST_CASE("auth disabled: credentials are ignored", "[api]") {
  Server s = with_root();
  s.auth = basic("root", "wrong");
  CHECK(s.call("GET", Resource::kUsers).status == 200);
  s.auth = "Bearer whatever";
  CHECK(s.put_role("app", R"({"role":"app"})").status == 201);
  CHECK(s.crypto.verifies == 0);
}

TEST_CASE("auth enabled: users/roles need root credentials", "[api]") {
  Server s = with_root();
  REQUIRE(s.put_user("alice", R"({"user":"alice","password":"apw"})").status == 201);
  REQUIRE(s.call("PUT", Resource::kEnable).status == 200);
  // etcd: alice (no root role) gets 401 even for a malformed body; so do anonymous ones.
  for (std::optional<std::string> who :
       {std::optional<std::string>(), std::optional<std::string>(basic("alice", "apw")),
        std::optional<std::string>(basic("root", "x"))}) {
    s.auth = who;
    for (auto [method, resource, body] :
         {std::tuple{"GET", Resource::kUsers, ""}, std::tuple{"GET", Resource::kRoles, ""},
          std::tuple{"GET", Resource::kUser, ""}, std::tuple{"PUT", Resource::kUser, "garbage"},
          std::tuple{"DELETE", Resource::kUser, ""}, std::tuple{"GET", Resource::kRole, ""},
          std::tuple{"PUT", Resource::kRole, "{}"}, std::tuple{"DELETE", Resource::kRole, ""}}) {
      ApiAnswer a = s.call(method, resource, "x", body);
      CHECK(a.status == 401);
      CHECK(a.body == kNoCreds);
      CHECK_FALSE(a.cluster_id_header);
      CHECK(a.writes.empty());
    }
  }
  s.auth = basic("root", "pw");
  CHECK(s.call("GET", Resource::kUsers).status == 200);
}
