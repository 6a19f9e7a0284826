// /v2/auth/roles (spec §9.3). Expected bodies are etcd 3.4.23's for the same sequence.
#include <catch2/catch.hpp>

#include "auth_test_util.h"

using namespace larch::auth;
using namespace larch::auth::testing;

namespace {

const std::string kNotUpdated = "auth: Role not updated. Use grant/revoke to update the role.";
const std::string kRootRole =
    R"({"role":"root","permissions":{"kv":{"read":["/*"],"write":["/*"]}}})";

}  // namespace

TEST_CASE("roles: create is 201 and echoes the role as sent", "[api][roles]") {
  Server s = initialized();
  std::string app = R"({"role":"app","permissions":{"kv":{"read":null,"write":null}}})";
  ApiAnswer a = s.put_role("app", app);
  check_answer(a, 201, app + "\n");
  CHECK(a.writes == std::vector<Record>{{"/2/roles/app", app}});
  check_answer(s.call("GET", Resource::kRole, "app"), 200, app + "\n");
  // Unsorted, duplicated patterns are stored as sent.
  check_answer(s.put_role("u", R"({"role":"u","permissions":{"kv":{"read":["/b","/a","/a"]}}})"),
               201,
               "{\"role\":\"u\",\"permissions\":{\"kv\":{\"read\":[\"/b\",\"/a\",\"/a\"],"
               "\"write\":null}}}\n");
  check_error(s.put_role("app", R"({"role":"app"})"), 409, "auth: Role app already exists.");
}

TEST_CASE("roles: update on null lists", "[api][roles]") {
  Server s = initialized();
  s.put_role("app", R"({"role":"app","permissions":{"kv":{"read":null,"write":null}}})");
  // Revoking an absent pattern changes null to [] (etcd: 200), then nothing (400).
  std::string revoke = R"({"role":"app","revoke":{"kv":{"read":["/x"]}}})";
  std::string emptied = R"({"role":"app","permissions":{"kv":{"read":[],"write":[]}}})";
  ApiAnswer a = s.put_role("app", revoke);
  check_answer(a, 200, emptied + "\n");
  CHECK(a.writes == std::vector<Record>{{"/2/roles/app", emptied}});
  check_answer(s.call("GET", Resource::kRole, "app"), 200, emptied + "\n");
  check_error(s.put_role("app", revoke), 400, kNotUpdated);
}

TEST_CASE("roles: pattern-less grant on create is stored and shown", "[api][roles]") {
  Server s = initialized();
  std::string q = R"({"role":"q","permissions":{"kv":{"read":null,"write":null}},)"
                  R"("grant":{"kv":{"read":[],"write":null}}})";
  check_answer(s.put_role("q", R"({"role":"q","grant":{"kv":{"read":[]}}})"), 201, q + "\n");
  check_answer(s.call("GET", Resource::kRole, "q"), 200, q + "\n");
  // The next update drops it.
  check_answer(s.put_role("q", R"({"role":"q","grant":{"kv":{"read":["/a"]}}})"), 200,
               "{\"role\":\"q\",\"permissions\":{\"kv\":{\"read\":[\"/a\"],\"write\":[]}}}\n");
  check_error(s.put_role("q", R"({"role":"q","revoke":{"kv":{"read":["/zz"]}}})"), 400,
              kNotUpdated);
  // A stored grant object alone makes an update "change" the role.
  s.put_role("p", R"({"role":"p","permissions":{"kv":{"read":[],"write":[]}},"revoke":{}})");
  CHECK(s.put_role("p", R"({"role":"p","revoke":{"kv":{"read":["/zz"]}}})").status == 200);
}

TEST_CASE("roles: updates sort and dedupe; absent revokes are ignored", "[api][roles]") {
  Server s = initialized();
  s.put_role("u", R"({"role":"u","permissions":{"kv":{"read":["/b","/a","/a"]}}})");
  check_answer(s.put_role("u", R"({"role":"u","revoke":{"kv":{"read":["/zz"]}}})"), 200,
               "{\"role\":\"u\",\"permissions\":{\"kv\":{\"read\":[\"/a\",\"/b\"],\"write\":[]}}}"
               "\n");
  check_error(s.put_role("u", R"({"role":"u","revoke":{"kv":{"read":["/zz"]}}})"), 400,
              kNotUpdated);
  check_answer(
      s.put_role("u", R"({"role":"u","grant":{"kv":{"write":["/w2","/w1"]}},)"
                      R"("revoke":{"kv":{"read":["/a"],"write":["/w2"]}}})"),
      200, "{\"role\":\"u\",\"permissions\":{\"kv\":{\"read\":[\"/b\"],\"write\":[\"/w1\"]}}}\n");
}

TEST_CASE("roles: duplicate grants are 409", "[api][roles]") {
  Server s = initialized();
  s.put_role("fleet",
             R"({"role":"fleet","permissions":{"kv":{"read":["/fleet/*"],"write":["/w"]}}})");
  check_error(s.put_role("fleet", R"({"role":"fleet","grant":{"kv":{"read":["/fleet/*"]}}})"), 409,
              "auth: Granting duplicate read permission /fleet/*");
  check_error(s.put_role("fleet", R"({"role":"fleet","grant":{"kv":{"write":["/w"]}}})"), 409,
              "auth: Granting duplicate write permission /w");
  check_error(s.put_role("fleet", R"({"role":"fleet","grant":{"kv":{"read":["/n","/n"]}}})"), 409,
              "auth: Granting duplicate read permission /n");
  // Reads are checked before writes.
  check_error(s.put_role("fleet", R"({"role":"fleet","grant":{"kv":{"write":["/w"],)"
                                  R"("read":["/fleet/*"]}}})"),
              409, "auth: Granting duplicate read permission /fleet/*");
}

TEST_CASE("roles: request errors", "[api][roles]") {
  Server s = initialized();
  check_error(s.put_role("nope", R"({"role":"nope","grant":{"kv":{"read":["/a"]}}})"), 404,
              "auth: Role nope does not exist.");
  s.put_role("app", R"({"role":"app"})");
  check_error(s.put_role("app", R"({"role":"app","permissions":{"kv":{"read":["/x"]}},)"
                                R"("grant":{"kv":{"read":["/a"]}}})"),
              400, "Role JSON contains both permissions and grant/revoke");
  check_error(s.put_role("rootx", R"({"role":"root"})"), 400,
              "Role JSON name does not match the name in the URL");
  check_error(s.put_role("x", "null"), 400, "Role JSON name does not match the name in the URL");
  for (const char* body :
       {"", R"({"role":"j3","permissions":{"kv":{"read":"x"}}})", R"({"role":"j10",})", "[1]"}) {
    INFO(body);
    check_error(s.put_role("j", body), 400, "Invalid JSON in request body.");
  }
}

TEST_CASE("roles: root is built in and immutable", "[api][roles]") {
  Server s = initialized();
  const std::string msg = "auth: Cannot modify role root: is root role.";
  check_error(s.put_role("root", R"({"role":"root"})"), 403, msg);
  check_error(s.put_role("root", R"({"role":"root","grant":{"kv":{"read":["/a"]}}})"), 403, msg);
  check_error(s.call("DELETE", Resource::kRole, "root"), 403, msg);
  check_answer(s.call("GET", Resource::kRole, "root"), 200, kRootRole + "\n");
}

TEST_CASE("roles: GET one and list", "[api][roles]") {
  Server s = initialized();
  check_error(s.call("GET", Resource::kRole, "zz"), 404, "auth: Role zz does not exist.");
  check_answer(s.call("GET", Resource::kRoles), 200, "{\"roles\":[" + kRootRole + "]}\n");
  s.put_role("u", R"({"role":"u","permissions":{"kv":{"read":["/a","/b"],"write":[]}}})");
  s.put_role("q", R"({"role":"q","permissions":{"kv":{"read":["/a"],"write":[]}}})");
  s.put_role("app", R"({"role":"app","permissions":{"kv":{"read":[],"write":[]}}})");
  // etcd's bytes (266): sorted, root included.
  check_answer(
      s.call("GET", Resource::kRoles), 200,
      R"({"roles":[{"role":"app","permissions":{"kv":{"read":[],"write":[]}}},{"role":"q",)"
      R"("permissions":{"kv":{"read":["/a"],"write":[]}}},{"role":"root","permissions":{"kv":)"
      R"({"read":["/*"],"write":["/*"]}}},{"role":"u","permissions":{"kv":{"read":["/a","/b"],)"
      R"("write":[]}}}]})"
      "\n");
}

TEST_CASE("roles: DELETE", "[api][roles]") {
  Server s = initialized();
  check_error(s.call("DELETE", Resource::kRole, "u"), 404, "auth: Role u doesn't exist.");
  s.put_role("u", R"({"role":"u"})");
  s.put_user("dave", R"({"user":"dave","password":"pw","roles":["u"]})");
  ApiAnswer a = s.call("DELETE", Resource::kRole, "u");
  check_answer(a, 200, "");
  CHECK(a.writes == std::vector<Record>{{"/2/roles/u", std::nullopt}});
  // Users keep the dangling name.
  CHECK(s.state.users.at("dave").roles == std::vector<std::string>{"u"});
  check_error(s.call("GET", Resource::kUser, "dave"), 404, "auth: Role u does not exist.");
  // The guest role can be deleted too.
  s.put_role("guest", R"({"role":"guest"})");
  CHECK(s.call("DELETE", Resource::kRole, "guest").status == 200);
}
