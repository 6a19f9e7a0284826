#include "http/router.h"

#include <vector>

namespace larch::http {
namespace {

constexpr std::string_view kKeysPrefix = "/v2/keys";
constexpr std::string_view kMembersPrefix = "/v2/members";
constexpr std::string_view kAuthPrefix = "/v2/auth";

constexpr std::string_view kAllowKeys = "HEAD,GET,PUT,POST,DELETE";
constexpr std::string_view kAllowMachines = "GET,HEAD";
constexpr std::string_view kAllowMembers = "GET,POST,DELETE,PUT";
constexpr std::string_view kAllowGet = "GET";
constexpr std::string_view kAllowGetPutDelete = "GET,PUT,DELETE";
constexpr std::string_view kAllowPut = "PUT";

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// Go's allowMethod(w, m, ms...): allowed iff m is one of ms; otherwise Allow = ms joined.
Route make_route(Endpoint endpoint, std::string_view method, std::string_view allow,
                 std::string sub = {}) {
  Route r;
  r.endpoint = endpoint;
  r.sub = std::move(sub);
  size_t start = 0;
  r.method_allowed = false;
  while (start <= allow.size()) {
    size_t comma = allow.find(',', start);
    if (comma == std::string_view::npos) comma = allow.size();
    if (allow.substr(start, comma - start) == method) r.method_allowed = true;
    start = comma + 1;
  }
  if (!r.method_allowed) r.allow = allow;
  return r;
}

// etcd's membersHandler: GET/POST/DELETE/PUT; PUT/DELETE need an id (405 without Allow).
Route route_members(std::string_view method, std::string_view path) {
  std::string_view sub = path.substr(kMembersPrefix.size());
  if (!sub.empty() && sub[0] == '/') sub.remove_prefix(1);
  Route r = make_route(Endpoint::kMembers, method, kAllowMembers, std::string(sub));
  if (r.method_allowed && sub.empty() && (method == "PUT" || method == "DELETE")) {
    r.method_allowed = false;
    r.allow = {};
  }
  return r;
}

// etcd's handleUsers/handleRoles: path.Clean of the part after /v2/auth, split on '/'.
Route route_auth_item(std::string_view method, std::string_view path, Endpoint list,
                      Endpoint item) {
  std::string cleaned = go_path_clean(path.substr(kAuthPrefix.size()));
  std::vector<std::string_view> pieces;
  std::string_view rest = cleaned;
  while (true) {
    size_t slash = rest.find('/');
    pieces.push_back(rest.substr(0, slash));
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
  }
  if (pieces.size() == 2) return make_route(list, method, kAllowGet);
  if (pieces.size() != 3) return Route{Endpoint::kAuthInvalidPath, true, {}, {}};
  return make_route(item, method, kAllowGetPutDelete, std::string(pieces[2]));
}

Route route_auth(std::string_view method, std::string_view path) {
  if (path == "/v2/auth/enable")
    return make_route(Endpoint::kAuthEnable, method, kAllowGetPutDelete);
  if (path == "/v2/auth/users") return make_route(Endpoint::kAuthUsers, method, kAllowGet);
  if (path == "/v2/auth/roles") return make_route(Endpoint::kAuthRoles, method, kAllowGet);
  if (starts_with(path, "/v2/auth/users/"))
    return route_auth_item(method, path, Endpoint::kAuthUsers, Endpoint::kAuthUser);
  if (starts_with(path, "/v2/auth/roles/"))
    return route_auth_item(method, path, Endpoint::kAuthRoles, Endpoint::kAuthRole);
  return Route{};
}

struct ExactRoute {
  std::string_view path;
  Endpoint endpoint;
  std::string_view allow;  // "" = any method
};

constexpr ExactRoute kExactRoutes[] = {
    {"/v2/machines", Endpoint::kMachines, kAllowMachines},
    {"/v2/stats/self", Endpoint::kStatsSelf, kAllowGet},
    {"/v2/stats/leader", Endpoint::kStatsLeader, kAllowGet},
    {"/v2/stats/store", Endpoint::kStatsStore, kAllowGet},
    {"/version", Endpoint::kVersion, kAllowGet},
    {"/health", Endpoint::kHealth, kAllowGet},
    {"/metrics", Endpoint::kMetrics, {}},
    {"/debug/vars", Endpoint::kDebugVars, kAllowGet},
    {"/config/local/log", Endpoint::kConfigLocalLog, kAllowPut},
};

}  // namespace

Route route(std::string_view method, std::string_view path) {
  if (method == "OPTIONS") return Route{Endpoint::kOptions, true, {}, {}};
  if (path == kKeysPrefix || starts_with(path, "/v2/keys/"))
    return make_route(Endpoint::kKeys, method, kAllowKeys,
                      std::string(path.substr(kKeysPrefix.size())));
  if (path == kMembersPrefix || starts_with(path, "/v2/members/"))
    return route_members(method, path);
  if (starts_with(path, "/v2/auth/")) return route_auth(method, path);
  for (const ExactRoute& e : kExactRoutes) {
    if (path != e.path) continue;
    if (e.allow.empty()) return Route{e.endpoint, true, {}, {}};
    return make_route(e.endpoint, method, e.allow);
  }
  return Route{};
}

Dispatch dispatch(std::string_view method, std::string_view raw_target) {
  Dispatch d;
  d.target = clean_request_target(raw_target);
  if (raw_target == "*" && method == "OPTIONS") {  // Go answers "OPTIONS *" itself: 200
    d.kind = DispatchKind::kOptions;
    d.route = Route{Endpoint::kOptions, true, {}, {}};
  } else if (d.target.kind == TargetKind::kBadRequest) {
    d.kind = DispatchKind::kBadRequest;
  } else if (method == "OPTIONS") {
    d.kind = DispatchKind::kOptions;
    d.route = Route{Endpoint::kOptions, true, {}, {}};
  } else if (d.target.kind == TargetKind::kRedirect) {
    d.kind = DispatchKind::kRedirect;
  } else {
    d.kind = DispatchKind::kRoute;
    d.route = route(method, d.target.path);
  }
  return d;
}

}  // namespace larch::http
