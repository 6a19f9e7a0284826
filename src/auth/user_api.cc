// /v2/auth/users and /v2/auth/users/<name>, after etcd's authHandler.baseUsers/forUser and
// v2auth store.CreateUser/CreateOrUpdateUser/UpdateUser/DeleteUser/User.merge.
#include <algorithm>
#include <set>

#include "auth/api_parts.h"
#include "auth/auth_json.h"
#include "auth/go_sprintf.h"

namespace larch::auth {
namespace {

std::string user_key(std::string_view name) {
  return std::string(kUsersPrefix) + std::string(name);
}

ApiAnswer get_user(const AuthState& state, const std::string& name) {
  auto user = find_user(state, name);
  if (!user) return error_answer(404, "auth: User " + name + " does not exist.");
  std::vector<Role> roles;
  for (const auto& role_name : user->roles) {
    auto role = find_role(state, role_name);
    if (!role) return error_answer(404, "auth: Role " + role_name + " does not exist.");
    roles.push_back(std::move(*role));
  }
  return json_answer(200, user_with_roles_json(user->name, roles));
}

// CreateUser: answers 200 (the caller turns it into 201 where etcd does).
ApiAnswer create_user(const AuthState& state, UserJson in, Crypto& crypto) {
  if (in.user == kRootName &&
      std::find(in.roles.begin(), in.roles.end(), kRootName) == in.roles.end()) {
    in.roles.emplace_back(kRootName);
    in.roles_null = false;
  }
  if (in.password.empty()) {
    return error_answer(400, "auth: Cannot create user " + in.user + " with an empty password");
  }
  Writes w(state);
  w.ensure_directories();
  if (state.users.contains(in.user)) {
    ApiAnswer a = error_answer(409, "auth: User " + in.user + " already exists.");
    a.writes = w.take();
    return a;
  }
  User user{in.user, crypto.hash(in.password), in.roles, in.roles_null};
  w.put(user_key(user.name), user_record_json(user));
  ApiAnswer a = json_answer(200, user_answer_json(user.name, user.roles, user.roles_null));
  a.writes = w.take();
  return a;
}

// etcd builds these two messages with Sprintf and then uses them as a format again.
ApiAnswer role_conflict(std::string_view what, const std::string& role, const std::string& user) {
  std::string msg = "auth: " + std::string(what) + " role " + role + " for user " + user;
  return error_answer(409, go_sprintf_no_args(msg));
}

// User.merge's role set: grants must be new, revokes must be held; the result is sorted.
std::optional<ApiAnswer> merge_roles(const User& old, const UserJson& in,
                                     std::vector<std::string>& out) {
  std::set<std::string> roles(old.roles.begin(), old.roles.end());
  for (const auto& g : in.grant) {
    if (!roles.insert(g).second) return role_conflict("Granting duplicate", g, in.user);
  }
  for (const auto& r : in.revoke) {
    if (roles.erase(r) == 0) return role_conflict("Revoking ungranted", r, in.user);
  }
  out.assign(roles.begin(), roles.end());
  return std::nullopt;
}

// UpdateUser: a new password and/or grant/revoke; 400 when the stored user would not change
// (etcd's reflect.DeepEqual, for which a null role list differs from []).
ApiAnswer update_user(const AuthState& state, const UserJson& in, Crypto& crypto) {
  auto old = find_user(state, in.user);
  if (!old) return error_answer(404, "auth: User " + in.user + " does not exist.");
  User next{old->name, old->password_hash, {}, false};
  if (auto err = merge_roles(*old, in, next.roles)) return *err;
  if (!in.password.empty()) next.password_hash = crypto.hash(in.password);
  if (next == *old) {
    return error_answer(400,
                        "auth: User not updated. Use grant/revoke/password to update the user.");
  }
  Writes w(state);
  w.put(user_key(next.name), user_record_json(next));
  ApiAnswer a = json_answer(200, user_answer_json(next.name, next.roles, false));
  a.writes = w.take();
  return a;
}

ApiAnswer put_user(const AuthState& state, const std::string& name, std::string_view body,
                   Crypto& crypto) {
  auto in = decode_user(body, true);
  if (!in) return error_answer(400, "Invalid JSON in request body.");
  if (in->user != name) {
    return error_answer(400, "User JSON name does not match the name in the URL");
  }
  if (!in->grant.empty() || !in->revoke.empty()) {
    if (!in->roles.empty()) {
      return error_answer(400, "User JSON contains both roles and grant/revoke");
    }
    return update_user(state, *in, crypto);
  }
  // With roles: always a create (answered 200). Without: CreateOrUpdateUser (201 if created).
  if (!in->roles.empty()) return create_user(state, std::move(*in), crypto);
  if (state.users.contains(name)) return update_user(state, *in, crypto);
  ApiAnswer a = create_user(state, std::move(*in), crypto);
  if (a.status == 200) a.status = 201;
  return a;
}

ApiAnswer delete_user(const AuthState& state, const std::string& name) {
  if (state.enabled && name == kRootName) {
    return error_answer(403, "auth: Cannot delete root user while auth is enabled.");
  }
  Writes w(state);
  w.ensure_directories();
  ApiAnswer a = state.users.contains(name)
                    ? empty_answer()
                    : error_answer(404, "auth: User " + name + " does not exist");
  if (a.status == 200) w.remove(user_key(name));
  a.writes = w.take();
  return a;
}

}  // namespace

ApiAnswer list_users(const AuthState& state) {
  if (state.users.empty()) return json_answer(200, "{\"users\":null}");
  std::string body = "{\"users\":[";
  bool first = true;
  for (const auto& [name, stored] : state.users) {
    auto user = find_user(state, name);
    std::vector<Role> roles;  // roles that no longer exist are skipped
    for (const auto& role_name : user->roles) {
      if (auto role = find_role(state, role_name)) roles.push_back(std::move(*role));
    }
    if (!first) body += ',';
    first = false;
    body += user_with_roles_json(user->name, roles);
  }
  body += "]}";
  return json_answer(200, std::move(body));
}

ApiAnswer handle_user(const AuthState& state, const ApiRequest& request, Crypto& crypto) {
  if (request.method == "GET") return get_user(state, request.name);
  if (request.method == "PUT") return put_user(state, request.name, request.body, crypto);
  return delete_user(state, request.name);
}

}  // namespace larch::auth
