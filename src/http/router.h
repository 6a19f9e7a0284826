#pragma once
// Client-port routing, mirroring etcd 3.4's ServeMux patterns and per-handler method
// checks (spec §1.1): which endpoint a clean path names, and whether the method is
// allowed there (with the exact Allow header value when not). Pure: any thread.
#include <string>
#include <string_view>

#include "http/path_clean.h"

namespace larch::http {

enum class Endpoint {
  kOptions,          // any path with method OPTIONS: 200, empty body, CORS headers
  kKeys,             // /v2/keys, /v2/keys/...; sub = decoded path after "/v2/keys"
  kMachines,         // /v2/machines (exact)
  kMembers,          // /v2/members, /v2/members/...; sub = text after "/v2/members/"
                     // ("" = the collection, "leader", an id, or anything: handler decides)
  kStatsSelf,        // /v2/stats/self (exact)
  kStatsLeader,      // /v2/stats/leader (exact)
  kStatsStore,       // /v2/stats/store (exact)
  kVersion,          // /version (exact)
  kHealth,           // /health (exact)
  kMetrics,          // /metrics (exact), any method
  kDebugVars,        // /debug/vars (exact)
  kConfigLocalLog,   // /config/local/log (exact)
  kAuthEnable,       // /v2/auth/enable (exact)
  kAuthUsers,        // /v2/auth/users, /v2/auth/users/
  kAuthUser,         // /v2/auth/users/<name>; sub = name
  kAuthRoles,        // /v2/auth/roles, /v2/auth/roles/
  kAuthRole,         // /v2/auth/roles/<name>; sub = name
  kAuthInvalidPath,  // /v2/auth/{users,roles}/a/b...: 400 {"message":"Invalid path"}
                     // (etcd checks this before the method)
  kNotFound,         // 404 text/plain "404 page not found\n" (any method)
};

struct Route {
  Endpoint endpoint = Endpoint::kNotFound;
  // False: answer 405 text/plain "Method Not Allowed\n" (Go's http.Error), with an
  // "Allow: <allow>" header when `allow` is non-empty. PUT/DELETE on the members
  // collection is the one 405 without an Allow header.
  bool method_allowed = true;
  std::string_view allow;  // points to a static string
  std::string sub;         // see Endpoint
};

// Routes a decoded, clean path (CleanTarget::path) for a method given exactly as sent
// (Go compares methods case-sensitively). OPTIONS always yields kOptions.
Route route(std::string_view method, std::string_view path);

enum class DispatchKind {
  kBadRequest,  // malformed target: see TargetKind::kBadRequest. (For a "*" target with
                // another method Go's ServeMux sends 400 with an empty body instead.)
  kOptions,     // OPTIONS: answered before cleaning/redirecting (etcd's CORS wrapper);
                // also "OPTIONS *" (which Go answers 200 without CORS headers)
  kRedirect,    // 301: see CleanTarget::location / html_body
  kRoute,       // serve `route`; target.path / target.raw_query hold the request's parts
};

struct Dispatch {
  DispatchKind kind = DispatchKind::kBadRequest;
  CleanTarget target;
  Route route;
};

// The whole front door for one request: clean_request_target, then OPTIONS, redirect,
// route — in etcd's order.
Dispatch dispatch(std::string_view method, std::string_view raw_target);

}  // namespace larch::http
