#include "http/router.h"

#include <catch2/catch.hpp>

using namespace larch::http;

namespace {

void check_route(std::string_view method, std::string_view path, Endpoint endpoint, bool allowed,
                 std::string_view allow = {}, std::string_view sub = {}) {
  INFO(std::string(method) + " " + std::string(path));
  Route r = route(method, path);
  CHECK(r.endpoint == endpoint);
  CHECK(r.method_allowed == allowed);
  CHECK(r.allow == allow);
  CHECK(r.sub == sub);
}

}  // namespace

TEST_CASE("router: /v2/keys", "[router]") {
  for (const char* m : {"GET", "HEAD", "PUT", "POST", "DELETE"}) {
    check_route(m, "/v2/keys/a/b", Endpoint::kKeys, true, {}, "/a/b");
  }
  check_route("GET", "/v2/keys", Endpoint::kKeys, true, {}, "");
  check_route("GET", "/v2/keys/", Endpoint::kKeys, true, {}, "/");
  check_route("GET", "/v2/keys/ts/", Endpoint::kKeys, true, {}, "/ts/");
  check_route("PATCH", "/v2/keys/a", Endpoint::kKeys, false, "HEAD,GET,PUT,POST,DELETE", "/a");
  check_route("get", "/v2/keys/a", Endpoint::kKeys, false, "HEAD,GET,PUT,POST,DELETE", "/a");
  check_route("GET", "/v2/keysfoo", Endpoint::kNotFound, true);
}

TEST_CASE("router: members", "[router]") {
  const std::string_view allow = "GET,POST,DELETE,PUT";
  check_route("GET", "/v2/members", Endpoint::kMembers, true, {}, "");
  check_route("GET", "/v2/members/", Endpoint::kMembers, true, {}, "");
  check_route("GET", "/v2/members/leader", Endpoint::kMembers, true, {}, "leader");
  check_route("GET", "/v2/members/leader/", Endpoint::kMembers, true, {}, "leader/");
  check_route("POST", "/v2/members", Endpoint::kMembers, true, {}, "");
  check_route("POST", "/v2/members/abc", Endpoint::kMembers, true, {}, "abc");
  check_route("PUT", "/v2/members/8e9e05c52164694d", Endpoint::kMembers, true, {},
              "8e9e05c52164694d");
  check_route("DELETE", "/v2/members/8e9e", Endpoint::kMembers, true, {}, "8e9e");
  check_route("HEAD", "/v2/members", Endpoint::kMembers, false, allow, "");
  check_route("PATCH", "/v2/members/leader", Endpoint::kMembers, false, allow, "leader");
  // PUT/DELETE without an id: 405 without an Allow header (§8.5).
  check_route("PUT", "/v2/members", Endpoint::kMembers, false, {}, "");
  check_route("DELETE", "/v2/members/", Endpoint::kMembers, false, {}, "");
  check_route("GET", "/v2/membersx", Endpoint::kNotFound, true);
}

TEST_CASE("router: exact endpoints and their Allow values", "[router]") {
  check_route("GET", "/v2/machines", Endpoint::kMachines, true);
  check_route("HEAD", "/v2/machines", Endpoint::kMachines, true);
  check_route("POST", "/v2/machines", Endpoint::kMachines, false, "GET,HEAD");
  check_route("GET", "/v2/machines/", Endpoint::kNotFound, true);

  check_route("GET", "/v2/stats/self", Endpoint::kStatsSelf, true);
  check_route("GET", "/v2/stats/leader", Endpoint::kStatsLeader, true);
  check_route("GET", "/v2/stats/store", Endpoint::kStatsStore, true);
  check_route("HEAD", "/v2/stats/self", Endpoint::kStatsSelf, false, "GET");
  check_route("PUT", "/v2/stats/store", Endpoint::kStatsStore, false, "GET");
  check_route("GET", "/v2/stats/self/", Endpoint::kNotFound, true);
  check_route("GET", "/v2/stats", Endpoint::kNotFound, true);

  check_route("GET", "/version", Endpoint::kVersion, true);
  check_route("HEAD", "/version", Endpoint::kVersion, false, "GET");
  check_route("GET", "/version/", Endpoint::kNotFound, true);
  check_route("GET", "/health", Endpoint::kHealth, true);
  check_route("HEAD", "/health", Endpoint::kHealth, false, "GET");
  check_route("POST", "/metrics", Endpoint::kMetrics, true);
  check_route("DELETE", "/metrics", Endpoint::kMetrics, true);
  check_route("GET", "/metrics/", Endpoint::kNotFound, true);
  check_route("GET", "/debug/vars", Endpoint::kDebugVars, true);
  check_route("POST", "/debug/vars", Endpoint::kDebugVars, false, "GET");
  check_route("PUT", "/config/local/log", Endpoint::kConfigLocalLog, true);
  check_route("GET", "/config/local/log", Endpoint::kConfigLocalLog, false, "PUT");
}

TEST_CASE("router: auth paths", "[router]") {
  check_route("GET", "/v2/auth/enable", Endpoint::kAuthEnable, true);
  check_route("PUT", "/v2/auth/enable", Endpoint::kAuthEnable, true);
  check_route("DELETE", "/v2/auth/enable", Endpoint::kAuthEnable, true);
  check_route("POST", "/v2/auth/enable", Endpoint::kAuthEnable, false, "GET,PUT,DELETE");
  check_route("GET", "/v2/auth/enable/", Endpoint::kNotFound, true);
  check_route("GET", "/v2/auth", Endpoint::kNotFound, true);
  check_route("GET", "/v2/auth/", Endpoint::kNotFound, true);

  check_route("GET", "/v2/auth/users", Endpoint::kAuthUsers, true);
  check_route("GET", "/v2/auth/users/", Endpoint::kAuthUsers, true);
  check_route("POST", "/v2/auth/users", Endpoint::kAuthUsers, false, "GET");
  check_route("POST", "/v2/auth/users/", Endpoint::kAuthUsers, false, "GET");
  check_route("PUT", "/v2/auth/users/bob", Endpoint::kAuthUser, true, {}, "bob");
  check_route("GET", "/v2/auth/users/bob/", Endpoint::kAuthUser, true, {}, "bob");
  check_route("POST", "/v2/auth/users/bob", Endpoint::kAuthUser, false, "GET,PUT,DELETE", "bob");
  check_route("GET", "/v2/auth/users/a/b", Endpoint::kAuthInvalidPath, true);
  check_route("POST", "/v2/auth/users/a/b", Endpoint::kAuthInvalidPath, true);

  check_route("GET", "/v2/auth/roles", Endpoint::kAuthRoles, true);
  check_route("GET", "/v2/auth/roles/", Endpoint::kAuthRoles, true);
  check_route("DELETE", "/v2/auth/roles/app", Endpoint::kAuthRole, true, {}, "app");
  check_route("HEAD", "/v2/auth/roles/app", Endpoint::kAuthRole, false, "GET,PUT,DELETE", "app");
  check_route("GET", "/v2/auth/roles/a/b/c", Endpoint::kAuthInvalidPath, true);
  check_route("GET", "/v2/auth/rolesx", Endpoint::kNotFound, true);
}

TEST_CASE("router: not found and OPTIONS", "[router]") {
  for (const char* p : {"/", "/v2", "/v2/", "/v2/nothing", "/v3/kv/range", "/keys"}) {
    check_route("GET", p, Endpoint::kNotFound, true);
  }
  check_route("OPTIONS", "/v2/keys/a", Endpoint::kOptions, true);
  check_route("OPTIONS", "/nothing", Endpoint::kOptions, true);
}

TEST_CASE("dispatch: order of bad request, OPTIONS, redirect, route", "[router]") {
  CHECK(dispatch("OPTIONS", "/v2/keys/a%zz").kind == DispatchKind::kBadRequest);
  CHECK(dispatch("GET", "/v2/keys/a%zz").kind == DispatchKind::kBadRequest);
  CHECK(dispatch("GET", "*").kind == DispatchKind::kBadRequest);
  CHECK(dispatch("OPTIONS", "*").kind == DispatchKind::kOptions);

  // OPTIONS is answered before the mux: no redirect (verified against etcd).
  auto opt = dispatch("OPTIONS", "/v2/keys/a//b");
  CHECK(opt.kind == DispatchKind::kOptions);
  CHECK(opt.route.endpoint == Endpoint::kOptions);

  auto redirect = dispatch("PUT", "/v2/keys/a//b?x=1");
  CHECK(redirect.kind == DispatchKind::kRedirect);
  CHECK(redirect.target.location == "/v2/keys/a/b?x=1");

  // Redirects happen even for paths that would 404 or 405.
  CHECK(dispatch("PATCH", "/nothing//x").kind == DispatchKind::kRedirect);

  auto served = dispatch("GET", "/v2/keys/with%20space/%C3%A9t%C3%A9?recursive=true");
  CHECK(served.kind == DispatchKind::kRoute);
  CHECK(served.route.endpoint == Endpoint::kKeys);
  CHECK(served.route.sub == "/with space/\xC3\xA9t\xC3\xA9");
  CHECK(served.target.raw_query == "recursive=true");

  auto not_allowed = dispatch("PATCH", "/v2/keys/a");
  CHECK(not_allowed.kind == DispatchKind::kRoute);
  CHECK_FALSE(not_allowed.route.method_allowed);
  CHECK(not_allowed.route.allow == "HEAD,GET,PUT,POST,DELETE");

  // %2F is just a '/', so this is the exact /v2/stats/self.
  CHECK(dispatch("GET", "/v2/stats%2Fself").route.endpoint == Endpoint::kStatsSelf);
}
