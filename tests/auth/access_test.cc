// parse_basic, key_access_allowed and root_allowed (spec §9.4). Rules marked "etcd" were
// observed on etcd 3.4.23 with the same roles.
#include <catch2/catch.hpp>

#include "auth_test_util.h"

using namespace larch::auth;
using namespace larch::auth::testing;

TEST_CASE("parse_basic: Go's Request.BasicAuth", "[access]") {
  auto c = parse_basic("Basic " + base64("root:pw"));
  REQUIRE(c);
  CHECK(c->user == "root");
  CHECK(c->password == "pw");
  // Scheme compared case-insensitively (etcd accepted "basic" and "BASIC").
  CHECK(parse_basic("basic " + base64("root:pw")));
  CHECK(parse_basic("BASIC " + base64("root:pw")));
  // Split at the first ':'; either part may be empty.
  c = parse_basic("Basic " + base64("a:b:c"));
  REQUIRE(c);
  CHECK(c->user == "a");
  CHECK(c->password == "b:c");
  c = parse_basic("Basic " + base64(":"));
  REQUIRE(c);
  CHECK(c->user.empty());
  CHECK(c->password.empty());
  // Newlines inside the base64 are skipped, as Go's decoder does.
  CHECK(parse_basic("Basic cm9v\r\ndDpwdw=="));
  // Non-zero unused bits are accepted (StdEncoding is not Strict): "YTp=" like "YTo=".
  c = parse_basic("Basic YTp=");
  REQUIRE(c);
  CHECK(c->user == "a");
  CHECK(c->password.empty());
}

TEST_CASE("parse_basic: rejected forms", "[access]") {
  for (std::string h :
       {std::string(""), std::string("Basic"), std::string("Basic "), "Bearer " + base64("root:pw"),
        "Basic  " + base64("root:pw"),    // etcd: two spaces -> 401
        std::string("Basic cm9vdDpwdw"),  // etcd: missing padding -> 401
        "Basic " + base64("rootpw"),      // no ':'
        std::string("Basic cm9v dDpwdw=="), std::string("Basic cm9vdDpwdw==="),
        std::string("Basic cm9vdDpw=dw="), std::string("Basic ====")}) {
    INFO(h);
    CHECK_FALSE(parse_basic(h));
  }
}

namespace {

// The spec §9.5 setup: alice holds role app; guest may read everything.
Server alice_setup() {
  Server s;
  s.state.initialized = true;
  s.state.enabled = true;
  s.state.users["root"] = User{"root", "h:pw", {"root"}, false};
  s.state.users["alice"] = User{"alice", "h:apw", {"app", "gone"}, false};
  Role app;
  app.name = "app";
  app.read = {"/app/*", "/pub", "/foo*"};
  app.write = {"/app/*"};
  s.state.roles["app"] = app;
  Role guest;
  guest.name = "guest";
  guest.read = {"/*"};
  s.state.roles["guest"] = guest;
  return s;
}

}  // namespace

TEST_CASE("key_access_allowed: auth disabled allows everything", "[access]") {
  Server s = alice_setup();
  s.state.enabled = false;
  s.auth = "Basic garbage";
  CHECK(s.key("/x", true, true));
  CHECK(s.crypto.verifies == 0);
}

TEST_CASE("key_access_allowed: pattern rules (etcd, user alice)", "[access]") {
  Server s = alice_setup();
  s.auth = basic("alice", "apw");
  struct Row {
    const char* key;
    bool get, get_recursive, put;
  } rows[] = {
      {"/app/x", true, true, true},   // "/app/*" prefix
      {"/app", false, false, false},  // "/app/*" does not match "/app"
      {"/app/", true, true, true},    // (etcd answered 403 "Not a file" to the PUT: allowed)
      {"/pub", true, false, false},   // exact pattern: not for recursive, read only
      {"/pub/sub", false, false, false},
      {"/foo", true, true, false},  // "/foo*" matches "/foo", "/foobar"
      {"/foobar", true, true, false},
      {"/other", false, false, false},  // no fallback to guest
  };
  for (const auto& r : rows) {
    INFO(r.key);
    CHECK(s.key(r.key, false) == r.get);
    CHECK(s.key(r.key, false, true) == r.get_recursive);
    CHECK(s.key(r.key, true) == r.put);
  }
}

TEST_CASE("key_access_allowed: credentials", "[access]") {
  Server s = alice_setup();
  s.auth = basic("alice", "wrong");
  CHECK_FALSE(s.key("/app/x", false));  // wrong password: denied, no guest fallback
  s.auth = basic("nobody", "apw");
  CHECK_FALSE(s.key("/app/x", false));
  s.auth = "Bearer x";  // etcd: 401 even though guest could read
  CHECK_FALSE(s.key("/x", false));
  s.auth = "";  // etcd: an empty Authorization header counts as none -> guest (200)
  CHECK(s.key("/x", false));
  s.auth = basic("root", "pw");  // root role: everything, recursive too
  CHECK(s.key("/any/thing", true, true));
  CHECK(s.key("/", true, true));
}

TEST_CASE("key_access_allowed: guest", "[access]") {
  Server s = alice_setup();
  CHECK(s.key("/x", false));  // anonymous read: guest reads "/*"
  CHECK_FALSE(s.key("/x", true));
  // Guest matches non-recursively even for recursive requests (etcd: with guest read
  // ["/foo"], anonymous GET /foo?recursive=true was 200, GET /foo/ was 401).
  s.state.roles["guest"].read = {"/foo"};
  CHECK(s.key("/foo", false, true));
  CHECK_FALSE(s.key("/foo/", false));
  s.state.roles.erase("guest");  // deleted guest: anonymous requests are denied everywhere
  CHECK_FALSE(s.key("/foo", false));
  CHECK(s.crypto.verifies == 0);
}

TEST_CASE("key_access_allowed: roles", "[access]") {
  Server s = alice_setup();
  s.auth = basic("alice", "apw");
  s.state.roles.erase("app");  // alice's roles no longer exist: nothing granted
  CHECK_FALSE(s.key("/app/x", false));
  s.state.users["alice"].roles.push_back("root");  // a user holding role root
  CHECK(s.key("/app/x", true, true));
  Role odd;
  odd.name = "odd";
  odd.read = {"", "/ok"};  // an empty pattern (etcd panics on it) matches nothing
  s.state.roles["odd"] = odd;
  s.state.users["alice"].roles = {"odd"};
  CHECK(s.key("/ok", false));
  CHECK_FALSE(s.key("", false));
  s.state.roles["odd"].read = {"*"};  // "*" matches every key
  CHECK(s.key("/anything", false, true));
}

TEST_CASE("root_allowed", "[access]") {
  Server s = alice_setup();
  std::optional<std::string_view> none;
  CHECK_FALSE(root_allowed(s.state, none, s.crypto));
  CHECK_FALSE(root_allowed(s.state, std::string_view(""), s.crypto));
  std::string alice = basic("alice", "apw"), root = basic("root", "pw"), bad = basic("root", "x");
  CHECK_FALSE(root_allowed(s.state, alice, s.crypto));
  CHECK(root_allowed(s.state, root, s.crypto));
  CHECK_FALSE(root_allowed(s.state, bad, s.crypto));
  s.state.users["root"].roles.clear();  // user root carries role root regardless
  CHECK(root_allowed(s.state, root, s.crypto));
  s.state.users["alice"].roles = {"root"};
  CHECK(root_allowed(s.state, alice, s.crypto));
  s.state.enabled = false;
  CHECK(root_allowed(s.state, none, s.crypto));
  CHECK(root_allowed(s.state, bad, s.crypto));
}

// etcd 3.4.23 with --client-cert-auth, a certificate CN=alice and no Authorization header.
TEST_CASE("client certificate user (TLS --client-cert-auth)", "[access]") {
  Server s = alice_setup();
  s.cert_user = "alice";
  CHECK(s.key("/app/x", true));         // alice's own roles, no password
  CHECK_FALSE(s.key("/other", false));  // no guest fallback for a known certificate user
  CHECK_FALSE(root_allowed(s.state, std::nullopt, s.crypto, s.cert_user));
  s.auth = basic("alice", "wrong");  // a header wins over the certificate, and fails
  CHECK_FALSE(s.key("/app/x", false));
  s.auth = basic("root", "pw");
  CHECK(s.key("/other", true));
  s.auth.reset();
  s.cert_user = "nobody";  // not a user: the guest role, as without a certificate
  CHECK(s.key("/other", false));
  CHECK_FALSE(s.key("/app/x", true));
  CHECK_FALSE(root_allowed(s.state, std::nullopt, s.crypto, s.cert_user));
  s.cert_user = "root";  // a certificate for root has root access
  CHECK(root_allowed(s.state, std::nullopt, s.crypto, s.cert_user));
  CHECK(s.key("/any", true, true));
  CHECK(s.crypto.verifies == 2);  // only the two Basic headers needed a password check
  s.auth = "";                    // an empty header counts as none: the certificate's user
  CHECK(s.key("/any", true, true));
}

TEST_CASE("authenticate", "[access]") {
  Server s = alice_setup();
  auto u = authenticate(s.state, basic("root", "pw"), s.crypto);
  REQUIRE(u);
  CHECK(u->name == "root");
  CHECK_FALSE(authenticate(s.state, basic("root", "bad"), s.crypto));
  CHECK_FALSE(authenticate(s.state, basic("", "pw"), s.crypto));
  CHECK_FALSE(authenticate(s.state, "Basic !!!!", s.crypto));
}
