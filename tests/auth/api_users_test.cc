// /v2/auth/users (spec §9.3). Every expected body below is the one etcd 3.4.23 sent for the
// same request sequence (auth disabled, as in the probe; statuses and messages do not
// depend on it).
#include <catch2/catch.hpp>

#include "auth_test_util.h"

using namespace larch::auth;
using namespace larch::auth::testing;

namespace {}  // namespace

TEST_CASE("users: PUT root creates it with role root (201)", "[api][users]") {
  Server s = initialized();
  ApiAnswer a = s.put_user("root", R"({"user":"root","password":"pw"})");
  check_answer(a, 201, "{\"user\":\"root\",\"roles\":[\"root\"]}\n");
  CHECK(a.writes == std::vector<Record>{{"/2/users/root",
                                         R"({"user":"root","password":"h:pw","roles":["root"]})"}});
  check_answer(s.call("GET", Resource::kUser, "root"), 200,
               R"({"user":"root","roles":[{"role":"root","permissions":{"kv":{"read":["/*"],)"
               R"("write":["/*"]}}}]})"
               "\n");
}

TEST_CASE("users: create without roles is 201 and echoes the roles as sent", "[api][users]") {
  Server s = initialized();
  ApiAnswer a = s.put_user("bob", R"({"user":"bob","password":"pw","roles":null})");
  check_answer(a, 201, "{\"user\":\"bob\",\"roles\":null}\n");
  CHECK(a.writes ==
        std::vector<Record>{{"/2/users/bob", R"({"user":"bob","password":"h:pw","roles":null})"}});
  check_answer(s.put_user("carol", R"({"user":"carol","password":"pw","roles":[]})"), 201,
               "{\"user\":\"carol\",\"roles\":[]}\n");
  CHECK(s.crypto.hashes == 2);
}

TEST_CASE("users: PUT of an existing user with nothing to change", "[api][users]") {
  Server s = initialized();
  s.put_user("bob", R"({"user":"bob","password":"pw","roles":null})");
  s.put_user("carol", R"({"user":"carol","password":"pw","roles":[]})");
  // bob's stored roles are null: etcd's DeepEqual sees null != [] and updates (200).
  ApiAnswer a = s.put_user("bob", R"({"user":"bob"})");
  check_answer(a, 200, "{\"user\":\"bob\",\"roles\":[]}\n");
  CHECK(a.writes ==
        std::vector<Record>{{"/2/users/bob", R"({"user":"bob","password":"h:pw","roles":[]})"}});
  const std::string not_updated =
      "auth: User not updated. Use grant/revoke/password to update the user.";
  check_error(s.put_user("bob", R"({"user":"bob"})"), 400, not_updated);
  check_error(s.put_user("carol", R"({"user":"carol"})"), 400, not_updated);
  // "roles" without grant/revoke on an existing user is ignored by the update path.
  check_error(s.put_user("carol", R"({"user":"carol","roles":[]})"), 400, not_updated);
}

TEST_CASE("users: new password on an existing user", "[api][users]") {
  Server s = initialized();
  s.put_user("bob", R"({"user":"bob","password":"pw","roles":[]})");
  ApiAnswer a = s.put_user("bob", R"({"user":"bob","password":"new"})");
  check_answer(a, 200, "{\"user\":\"bob\",\"roles\":[]}\n");
  CHECK(s.state.users.at("bob").password_hash == "h:new");
  // With the fake's deterministic hash the same password changes nothing (bcrypt salts).
  check_error(s.put_user("bob", R"({"user":"bob","password":"new"})"), 400,
              "auth: User not updated. Use grant/revoke/password to update the user.");
}

TEST_CASE("users: create with roles is 200, existing is 409", "[api][users]") {
  Server s = initialized();
  ApiAnswer a = s.put_user("dave", R"({"user":"dave","password":"pw","roles":["u","app","gone"]})");
  check_answer(a, 200, "{\"user\":\"dave\",\"roles\":[\"u\",\"app\",\"gone\"]}\n");
  CHECK(s.state.users.at("dave").roles == std::vector<std::string>{"u", "app", "gone"});
  check_error(s.put_user("dave", R"({"user":"dave","password":"pw","roles":["a"]})"), 409,
              "auth: User dave already exists.");
  // etcd checks the password first: no password -> 400 even though dave exists.
  check_error(s.put_user("dave", R"({"user":"dave","roles":["a"]})"), 400,
              "auth: Cannot create user dave with an empty password");
  check_error(s.put_user("eve", R"({"user":"eve"})"), 400,
              "auth: Cannot create user eve with an empty password");
  check_error(s.put_user("eve", R"({"user":"eve","password":""})"), 400,
              "auth: Cannot create user eve with an empty password");
  CHECK(s.crypto.hashes == 1);  // no bcrypt for refused requests
  // Root with other roles keeps them and gains root at the end.
  check_answer(s.put_user("root", R"({"user":"root","password":"pw","roles":["b"]})"), 200,
               "{\"user\":\"root\",\"roles\":[\"b\",\"root\"]}\n");
}

TEST_CASE("users: grant and revoke", "[api][users]") {
  Server s = initialized();
  s.put_user("dave", R"({"user":"dave","password":"pw","roles":["u","app","gone"]})");
  check_error(s.put_user("dave", R"({"user":"dave","grant":["u"]})"), 409,
              "auth: Granting duplicate role u for user dave");
  check_error(s.put_user("dave", R"({"user":"dave","revoke":["zzz"]})"), 409,
              "auth: Revoking ungranted role zzz for user dave");
  check_error(s.put_user("dave", R"({"user":"dave","grant":["x","x"]})"), 409,
              "auth: Granting duplicate role x for user dave");
  // Grant and revoke of the same role: net no change, but the list gets sorted (200).
  ApiAnswer a = s.put_user("dave", R"({"user":"dave","grant":["x"],"revoke":["x"]})");
  check_answer(a, 200, "{\"user\":\"dave\",\"roles\":[\"app\",\"gone\",\"u\"]}\n");
  CHECK(a.writes ==
        std::vector<Record>{
            {"/2/users/dave", R"({"user":"dave","password":"h:pw","roles":["app","gone","u"]})"}});
  check_error(s.put_user("dave", R"({"user":"dave","grant":["x"],"revoke":["x"]})"), 400,
              "auth: User not updated. Use grant/revoke/password to update the user.");
  // Role existence is not checked on grant.
  check_answer(s.put_user("dave", R"({"user":"dave","grant":["nope"],"revoke":["gone"]})"), 200,
               "{\"user\":\"dave\",\"roles\":[\"app\",\"nope\",\"u\"]}\n");
  // Grant plus a new password: both applied.
  s.put_user("dave", R"({"user":"dave","grant":["z"],"password":"p2"})");
  CHECK(s.state.users.at("dave").password_hash == "h:p2");
  CHECK(s.state.users.at("dave").roles == std::vector<std::string>{"app", "nope", "u", "z"});
}

TEST_CASE("users: grant/revoke errors", "[api][users]") {
  Server s = initialized();
  s.put_user("dave", R"({"user":"dave","password":"pw"})");
  check_error(s.put_user("dave", R"({"user":"dave","grant":["x"],"roles":["a"]})"), 400,
              "User JSON contains both roles and grant/revoke");
  check_error(s.put_user("nobody", R"({"user":"nobody","grant":["x"]})"), 404,
              "auth: User nobody does not exist.");
  // "roles":[] is no roles: the update goes through.
  CHECK(s.put_user("dave", R"({"user":"dave","grant":["x"],"roles":[]})").status == 200);
}

TEST_CASE("users: '%' in names comes out as Go's format errors", "[api][users]") {
  Server s = initialized();
  s.put_user("dave", R"({"user":"dave","password":"pw"})");
  REQUIRE(s.put_user("dave", R"({"user":"dave","grant":["%s%d %5.2f %% %"]})").status == 200);
  check_error(
      s.put_user("dave", R"({"user":"dave","grant":["%s%d %5.2f %% %"]})"), 409,
      "auth: Granting duplicate role %!s(MISSING)%!d(MISSING) %!f(MISSING) % %!f(MISSING)or "
      "user dave");
  check_error(s.put_user("dave", R"({"user":"dave","revoke":["%!%v"]})"), 409,
              "auth: Revoking ungranted role %!!(MISSING)%!v(MISSING) for user dave");
  // Other messages format the name as an argument: unchanged.
  check_error(s.call("GET", Resource::kUser, "dave"), 404,
              "auth: Role %s%d %5.2f %% % does not exist.");
}

TEST_CASE("users: bad bodies", "[api][users]") {
  Server s = initialized();
  for (const char* body : {"", "garbage", "[1]", R"({"user":1})", R"({"user":"bob",})"}) {
    INFO(body);
    check_error(s.put_user("bob", body), 400, "Invalid JSON in request body.");
  }
  check_error(s.put_user("bob", R"({"user":"alice","password":"pw"})"), 400,
              "User JSON name does not match the name in the URL");
  check_error(s.put_user("bob", "null"), 400, "User JSON name does not match the name in the URL");
  // Go's decoder: case-insensitive fields, trailing text ignored.
  CHECK(s.put_user("bob", R"({"USER":"bob","Password":"pw"} trailing)").status == 201);
}

TEST_CASE("users: GET one", "[api][users]") {
  Server s = initialized();
  check_error(s.call("GET", Resource::kUser, "zed"), 404, "auth: User zed does not exist.");
  s.put_user("bob", R"({"user":"bob","password":"pw"})");
  check_answer(s.call("GET", Resource::kUser, "bob"), 200, "{\"user\":\"bob\"}\n");
  s.put_role("u", R"({"role":"u","permissions":{"kv":{"read":["/b","/a"]}}})");
  s.put_user("dave", R"({"user":"dave","password":"pw","roles":["u","gone"]})");
  // etcd: a user naming a role that no longer exists -> 404 for that role.
  check_error(s.call("GET", Resource::kUser, "dave"), 404, "auth: Role gone does not exist.");
  s.put_user("dave", R"({"user":"dave","revoke":["gone"]})");
  check_answer(s.call("GET", Resource::kUser, "dave"), 200,
               R"({"user":"dave","roles":[{"role":"u","permissions":{"kv":{"read":["/b","/a"],)"
               R"("write":null}}}]})"
               "\n");
}

TEST_CASE("users: GET list", "[api][users]") {
  Server s = initialized();
  check_answer(s.call("GET", Resource::kUsers), 200, "{\"users\":null}\n");
  s.put_user("root", R"({"user":"root","password":"pw"})");
  s.put_user("carol", R"({"user":"carol","password":"pw","roles":[]})");
  s.put_user("bob", R"({"user":"bob","password":"pw","roles":null})");
  s.put_role("u", R"({"role":"u","permissions":{"kv":{"read":["/a","/b"],"write":[]}}})");
  s.put_role("app", R"({"role":"app","permissions":{"kv":{"read":[],"write":[]}}})");
  s.put_user("dave", R"({"user":"dave","password":"pw","roles":["u","app","gone"]})");
  // Sorted by name; missing roles skipped; users without roles show no "roles" (etcd's
  // exact bytes, 289 of them).
  check_answer(
      s.call("GET", Resource::kUsers), 200,
      R"({"users":[{"user":"bob"},{"user":"carol"},{"user":"dave","roles":[{"role":"u",)"
      R"("permissions":{"kv":{"read":["/a","/b"],"write":[]}}},{"role":"app","permissions":)"
      R"({"kv":{"read":[],"write":[]}}}]},{"user":"root","roles":[{"role":"root","permissions":)"
      R"({"kv":{"read":["/*"],"write":["/*"]}}}]}]})"
      "\n");
  s.put_user("x", R"({"user":"x","password":"pw","roles":["gone"]})");
  CHECK(s.call("GET", Resource::kUsers).body.find(R"({"user":"x"})") != std::string::npos);
}

TEST_CASE("users: DELETE", "[api][users]") {
  Server s = initialized();
  check_error(s.call("DELETE", Resource::kUser, "zed"), 404, "auth: User zed does not exist");
  s.put_user("bob", R"({"user":"bob","password":"pw"})");
  ApiAnswer a = s.call("DELETE", Resource::kUser, "bob");
  check_answer(a, 200, "");
  CHECK(a.writes == std::vector<Record>{{"/2/users/bob", std::nullopt}});
  CHECK(s.state.users.empty());
  // Root: deletable while auth is disabled, 403 while enabled.
  s.put_user("root", R"({"user":"root","password":"pw"})");
  s.call("PUT", Resource::kEnable);
  s.auth = basic("root", "pw");
  check_error(s.call("DELETE", Resource::kUser, "root"), 403,
              "auth: Cannot delete root user while auth is enabled.");
  s.call("DELETE", Resource::kEnable);
  CHECK(s.call("DELETE", Resource::kUser, "root").status == 200);
}

TEST_CASE("users: output escaping", "[api][users]") {
  Server s = initialized();
  ApiAnswer a = s.put_user("<a&b>", R"({"user":"<a&b>","password":"pw","roles":["r<"]})");
  check_answer(a, 200, "{\"user\":\"\\u003ca\\u0026b\\u003e\",\"roles\":[\"r\\u003c\"]}\n");
  check_error(s.call("GET", Resource::kUser, "x\"y"), 404, R"(auth: User x\"y does not exist.)");
}
