#include "auth/auth_json.h"

#include <catch2/catch.hpp>

using namespace larch::auth;
using Strings = std::vector<std::string>;

// Each body below was sent to etcd 3.4.23 as PUT /v2/auth/roles/<name>; the role etcd
// echoed (201) is what role_json of the decoded request must give.
TEST_CASE("decode_role: Go decoding quirks as etcd showed them", "[auth_json]") {
  struct Case {
    const char* body;
    const char* echo;
  } cases[] = {
      {R"({"role":"j1"} garbage)",
       R"({"role":"j1","permissions":{"kv":{"read":null,"write":null}}})"},
      {R"({"ROLE":"j2","Permissions":{"KV":{"Read":["/r"]}}})",
       R"({"role":"j2","permissions":{"kv":{"read":["/r"],"write":null}}})"},
      {R"({"role":"j5","permissions":{"kv":{"read":["/a"]}},"permissions":{"kv":{"write":["/w"]}}})",
       R"({"role":"j5","permissions":{"kv":{"read":["/a"],"write":["/w"]}}})"},
      {R"({"role":"j6","permissions":{"kv":{"read":["/a"]}},"permissions":{"kv":{"read":["/b"]}}})",
       R"({"role":"j6","permissions":{"kv":{"read":["/b"],"write":null}}})"},
      {R"({"role":"j7","extra":1,"permissions":null})",
       R"({"role":"j7","permissions":{"kv":{"read":null,"write":null}}})"},
      {R"({"role":"j8","permissions":{"kv":{"read":[null,"/x"]}}})",
       R"({"role":"j8","permissions":{"kv":{"read":["","/x"],"write":null}}})"},
      {R"(  {"role":"j9"}{)", R"({"role":"j9","permissions":{"kv":{"read":null,"write":null}}})"},
      {R"({"role":"j12","grant":null,"revoke":{}})",
       R"({"role":"j12","permissions":{"kv":{"read":null,"write":null}},)"
       R"("revoke":{"kv":{"read":null,"write":null}}})"},
      {R"({"role":"q","grant":{"kv":{"read":[]}}})",
       R"({"role":"q","permissions":{"kv":{"read":null,"write":null}},)"
       R"("grant":{"kv":{"read":[],"write":null}}})"},
  };
  for (const auto& c : cases) {
    INFO(c.body);
    auto r = decode_role(c.body, true);
    REQUIRE(r);
    CHECK(role_json(*r) == c.echo);
  }
}

TEST_CASE("decode_role: invalid bodies", "[auth_json]") {
  // etcd answered "Invalid JSON in request body." for each.
  for (const char* body :
       {R"({"role":"j3","permissions":{"kv":{"read":"x"}}})", "", R"({"role":"j10",})", "[1]",
        R"("role")", R"({"role":5})", R"({"role":"r","grant":[]})",
        R"({"role":"r","permissions":{"kv":[]}})"}) {
    INFO(body);
    CHECK_FALSE(decode_role(body, true));
  }
  auto r = decode_role("null", true);  // decodes to an empty role (then a name mismatch)
  REQUIRE(r);
  CHECK(r->name.empty());
}

TEST_CASE("decode_user: fields, nulls and types", "[auth_json]") {
  auto u = decode_user(
      R"({"User":"bob","PASSWORD":"pw","roles":["a"],"grant":["g"],"revoke":null,"x":{}})", true);
  REQUIRE(u);
  CHECK(u->user == "bob");
  CHECK(u->password == "pw");
  CHECK(u->roles == Strings{"a"});
  CHECK_FALSE(u->roles_null);
  CHECK(u->grant == Strings{"g"});
  CHECK(u->revoke.empty());

  auto v = decode_user(R"({"user":"bob","user":null,"roles":[]})", true);
  REQUIRE(v);
  CHECK(v->user == "bob");  // null leaves a string as it was
  CHECK(v->roles.empty());
  CHECK_FALSE(v->roles_null);  // [] is not null
  CHECK(decode_user(R"({"user":"bob"})", true)->roles_null);

  CHECK_FALSE(decode_user(R"({"user":1})", true));
  CHECK_FALSE(decode_user(R"({"user":"b","roles":[1]})", true));
  CHECK_FALSE(decode_user(R"({"user":"b","grant":"x"})", true));
}

TEST_CASE("answer JSON shapes", "[auth_json]") {
  CHECK(user_answer_json("bob", {}, true) == R"({"user":"bob","roles":null})");
  CHECK(user_answer_json("bob", {}, false) == R"({"user":"bob","roles":[]})");
  CHECK(user_answer_json("<b>", {"a&"}, false) ==
        R"({"user":"\u003cb\u003e","roles":["a\u0026"]})");
  CHECK(user_with_roles_json("bob", {}) == R"({"user":"bob"})");
  Role r;
  r.name = "app";
  r.read = {"/a"};
  CHECK(
      user_with_roles_json("bob", {r}) ==
      R"({"user":"bob","roles":[{"role":"app","permissions":{"kv":{"read":["/a"],"write":[]}}}]})");
}
