// handle_api: dispatch, root-access checks and /v2/auth/enable, after etcd's
// v2http/client_auth.go and v2auth/auth.go.
#include "auth/auth_api.h"

#include "auth/api_parts.h"
#include "auth/auth_json.h"
#include "util/v2_error.h"

namespace larch::auth {
namespace {

// writeNoAuth: sent before etcd sets X-Etcd-Cluster-Id.
ApiAnswer no_credentials() {
  ApiAnswer a = error_answer(401, "Insufficient credentials");
  a.cluster_id_header = false;
  return a;
}

ApiAnswer method_not_allowed() {
  ApiAnswer a;
  a.status = 405;
  a.body = "Method Not Allowed\n";
  a.json = false;
  a.cluster_id_header = false;
  return a;
}

// The role etcd creates when auth is enabled without one.
Role default_guest() {
  Role r;
  r.name = kGuestName;
  r.read = {"/*"};
  r.write = {"/*"};
  return r;
}

ApiAnswer enable(const AuthState& state) {
  if (state.enabled) return error_answer(409, "auth: already enabled");
  if (!state.users.contains(std::string(kRootName))) {
    return error_answer(409, "auth: No root user available, please create one");
  }
  Writes w(state);
  if (!find_role(state, kGuestName)) {
    w.put(std::string(kRolesPrefix) + std::string(kGuestName), role_json(default_guest()));
  }
  w.put(std::string(kEnabledKey), "true");
  ApiAnswer a = empty_answer();
  a.writes = w.take();
  return a;
}

ApiAnswer disable(const AuthState& state) {
  if (!state.enabled) return error_answer(409, "auth: already disabled");
  Writes w(state);
  w.put(std::string(kEnabledKey), "false");
  ApiAnswer a = empty_answer();
  a.writes = w.take();
  return a;
}

// GET needs no credentials, ever; PUT and DELETE need root while auth is enabled.
ApiAnswer handle_enable(const AuthState& state, const ApiRequest& req, Crypto& crypto) {
  if (req.method == "GET") {
    return json_answer(200, state.enabled ? "{\"enabled\":true}" : "{\"enabled\":false}");
  }
  if (req.method != "PUT" && req.method != "DELETE") return method_not_allowed();
  if (!root_allowed(state, req.authorization, crypto, req.cert_user)) return no_credentials();
  return req.method == "PUT" ? enable(state) : disable(state);
}

bool accepts(const ApiRequest& req) {
  if (req.resource == Resource::kUsers || req.resource == Resource::kRoles) {
    return req.method == "GET";
  }
  return req.method == "GET" || req.method == "PUT" || req.method == "DELETE";
}

}  // namespace

ApiAnswer error_answer(int status, std::string_view message) {
  ApiAnswer a;
  a.status = status;
  a.body = util::v2_message_body(message);
  return a;
}

ApiAnswer json_answer(int status, std::string json) {
  ApiAnswer a;
  a.status = status;
  a.body = std::move(json);
  a.body += '\n';
  return a;
}

ApiAnswer empty_answer() {
  return ApiAnswer{};
}

void Writes::ensure_directories() {
  if (initialized_) return;
  for (std::string_view dir : kDirKeys) records_.push_back({std::string(dir), ""});
  records_.push_back({std::string(kEnabledKey), "false"});
  initialized_ = true;
}

void Writes::put(std::string key, std::string value) {
  ensure_directories();
  records_.push_back({std::move(key), std::move(value)});
}

void Writes::remove(std::string key) {
  ensure_directories();
  records_.push_back({std::move(key), std::nullopt});
}

ApiAnswer handle_api(const AuthState& state, const ApiRequest& request, Crypto& crypto) {
  if (request.resource == Resource::kEnable) return handle_enable(state, request, crypto);
  if (!accepts(request)) return method_not_allowed();
  if (!root_allowed(state, request.authorization, crypto, request.cert_user))
    return no_credentials();
  switch (request.resource) {
    case Resource::kUsers:
      return list_users(state);
    case Resource::kUser:
      return handle_user(state, request, crypto);
    case Resource::kRoles:
      return list_roles(state);
    default:
      return handle_role(state, request);
  }
}

}  // namespace larch::auth
