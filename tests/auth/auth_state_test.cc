#include "auth/auth_state.h"

#include <catch2/catch.hpp>

#include "auth/auth_json.h"

using namespace larch::auth;

namespace {

Role make_role(std::string name, std::vector<std::string> read, std::vector<std::string> write) {
  Role r;
  r.name = std::move(name);
  r.read = std::move(read);
  r.write = std::move(write);
  return r;
}

AuthState sample_state() {
  AuthState s;
  s.initialized = true;
  s.enabled = true;
  s.users["root"] = User{"root", "h:pw", {"root"}, false};
  s.users["bob"] = User{"bob", "h:x", {}, true};
  s.users["carol"] = User{"carol", "h:y", {"b", "a"}, false};
  s.roles["guest"] = make_role("guest", {"/*"}, {});
  Role app = make_role("app", {}, {});
  app.read_null = app.write_null = true;
  app.grant = KvPermissions{{}, {}, false, true};
  s.roles["app"] = app;
  return s;
}

}  // namespace

TEST_CASE("is_record_key: etcd's /2 layout", "[auth_state]") {
  for (const char* k : {"/2", "/2/users/", "/2/roles/", "/2/enabled", "/2/users/bob",
                        "/2/roles/app", "/2/users/root", "/2/roles/guest"}) {
    INFO(k);
    CHECK(is_record_key(k));
  }
  for (const char* k : {"", "/2/", "/2/users", "/2/roles", "/2/users/a/b", "/2/roles/root",
                        "/2/other", "/1/users/bob", "/2/enabledx", "/2/usersbob"}) {
    INFO(k);
    CHECK_FALSE(is_record_key(k));
  }
}

TEST_CASE("apply_record: enabled flag and directories", "[auth_state]") {
  AuthState s;
  CHECK(apply_record(s, {"/2/enabled", "true"}));
  CHECK(s.enabled);
  CHECK(s.initialized);
  CHECK(apply_record(s, {"/2/enabled", "false"}));
  CHECK_FALSE(s.enabled);
  CHECK_FALSE(apply_record(s, {"/2/enabled", "yes"}));
  CHECK_FALSE(apply_record(s, {"/2/enabled", std::nullopt}));

  AuthState fresh;
  CHECK(apply_record(fresh, {"/2/users/", ""}));
  CHECK(fresh.initialized);
  CHECK_FALSE(apply_record(fresh, {"/2", "x"}));
  CHECK_FALSE(apply_record(fresh, {"/2", std::nullopt}));
}

TEST_CASE("apply_record: users and roles, set and delete", "[auth_state]") {
  AuthState s;
  REQUIRE(apply_record(s, {"/2/users/bob", R"({"user":"bob","password":"h:x","roles":null})"}));
  CHECK(s.users.at("bob") == User{"bob", "h:x", {}, true});
  REQUIRE(apply_record(s, {"/2/users/bob", R"({"user":"bob","password":"h:z","roles":["r"]})"}));
  CHECK(s.users.at("bob") == User{"bob", "h:z", {"r"}, false});
  REQUIRE(apply_record(
      s, {"/2/roles/app", R"({"role":"app","permissions":{"kv":{"read":["/a"],"write":null}}})"}));
  const Role& app = s.roles.at("app");
  CHECK(app.read == std::vector<std::string>{"/a"});
  CHECK_FALSE(app.read_null);
  CHECK(app.write_null);
  CHECK_FALSE(app.grant);

  CHECK(apply_record(s, {"/2/users/bob", std::nullopt}));
  CHECK(s.users.empty());
  CHECK(apply_record(s, {"/2/roles/app", std::nullopt}));
  CHECK(s.roles.empty());
  CHECK(apply_record(s, {"/2/roles/app", std::nullopt}));  // deleting a missing one is fine
}

TEST_CASE("apply_record: bad records leave the state unchanged", "[auth_state]") {
  AuthState s = sample_state();
  AuthState before = s;
  const Record bad[] = {
      {"/2/users/bob", "{not json"},
      {"/2/users/bob", R"({"user":"bob","roles":"x"})"},     // wrong type
      {"/2/users/bob", R"({"user":"eve","password":"h"})"},  // another name
      {"/2/users/bob", R"({"user":"bob"} trailing)"},        // not one value
      {"/2/roles/app", R"({"role":"app","permissions":{"kv":{"read":[1]}}})"},
      {"/2/roles/app", R"({"role":"other"})"},
      {"/2/roles/root", R"({"role":"root"})"},  // built in, never stored
      {"/2/nothing", "true"},
  };
  for (const auto& r : bad) {
    INFO(r.key << " " << r.value.value_or("(delete)"));
    CHECK_FALSE(apply_record(s, r));
  }
  CHECK(s.users == before.users);
  CHECK(s.roles == before.roles);
  CHECK(s.enabled == before.enabled);
}

TEST_CASE("records_of: exact records, and they rebuild the state", "[auth_state]") {
  AuthState s = sample_state();
  std::vector<Record> expected = {
      {"/2", ""},
      {"/2/users/", ""},
      {"/2/roles/", ""},
      {"/2/enabled", "true"},
      {"/2/users/bob", R"({"user":"bob","password":"h:x","roles":null})"},
      {"/2/users/carol", R"({"user":"carol","password":"h:y","roles":["b","a"]})"},
      {"/2/users/root", R"({"user":"root","password":"h:pw","roles":["root"]})"},
      {"/2/roles/app", R"({"role":"app","permissions":{"kv":{"read":null,"write":null}},)"
                       R"("grant":{"kv":{"read":[],"write":null}}})"},
      {"/2/roles/guest", R"({"role":"guest","permissions":{"kv":{"read":["/*"],"write":[]}}})"},
  };
  CHECK(records_of(s) == expected);

  AuthState rebuilt;
  for (const auto& r : records_of(s)) REQUIRE(apply_record(rebuilt, r));
  CHECK(rebuilt.enabled);
  CHECK(rebuilt.initialized);
  CHECK(rebuilt.users == s.users);
  CHECK(rebuilt.roles == s.roles);
  CHECK(records_of(AuthState{}).empty());
}

TEST_CASE("record values use Go's string escaping", "[auth_state]") {
  User u{"a<b>&c", "h:\"q\"", {"r\n"}, false};
  CHECK(user_record_json(u) ==
        R"({"user":"a\u003cb\u003e\u0026c","password":"h:\"q\"","roles":["r\n"]})");
  AuthState s;
  REQUIRE(apply_record(s, {"/2/users/a<b>&c", user_record_json(u)}));
  CHECK(s.users.at("a<b>&c") == u);
}

TEST_CASE("find_user: root always carries the root role", "[auth_state]") {
  AuthState s;
  s.users["root"] = User{"root", "h", {}, true};
  s.users["bob"] = User{"bob", "h", {}, true};
  auto root = find_user(s, "root");
  REQUIRE(root);
  CHECK(root->roles == std::vector<std::string>{"root"});
  CHECK_FALSE(root->roles_null);
  s.users["root"].roles = {"x", "root"};
  CHECK(find_user(s, "root")->roles == std::vector<std::string>{"x", "root"});  // not twice
  s.users["root"].roles = {"x"};
  CHECK(find_user(s, "root")->roles == std::vector<std::string>{"x", "root"});  // appended
  CHECK(find_user(s, "bob")->roles.empty());
  CHECK_FALSE(find_user(s, "nobody"));
}

TEST_CASE("find_role: root is built in", "[auth_state]") {
  AuthState s;
  auto root = find_role(s, "root");
  REQUIRE(root);
  CHECK(role_json(*root) ==
        R"({"role":"root","permissions":{"kv":{"read":["/*"],"write":["/*"]}}})");
  CHECK_FALSE(find_role(s, "guest"));
  s.roles["guest"] = make_role("guest", {"/*"}, {"/*"});
  CHECK(find_role(s, "guest")->read == std::vector<std::string>{"/*"});
}
