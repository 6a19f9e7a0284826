// /v2/auth/roles and /v2/auth/roles/<name>, after etcd's authHandler.baseRoles/forRole and
// v2auth store.CreateRole/UpdateRole/DeleteRole/Role.merge.
#include <algorithm>
#include <set>

#include "auth/api_parts.h"
#include "auth/auth_json.h"

namespace larch::auth {
namespace {

std::string role_key(std::string_view name) {
  return std::string(kRolesPrefix) + std::string(name);
}

ApiAnswer root_is_immutable() {
  return error_answer(403, "auth: Cannot modify role root: is root role.");
}

// Permissions.IsEmpty: nil, or no pattern at all.
bool no_patterns(const std::optional<KvPermissions>& p) {
  return !p || (p->read.empty() && p->write.empty());
}

ApiAnswer get_role(const AuthState& state, const std::string& name) {
  auto role = find_role(state, name);
  if (!role) return error_answer(404, "auth: Role " + name + " does not exist.");
  return json_answer(200, role_json(*role));
}

// CreateRole: stores and echoes the request as sent (null lists and pattern-less
// grant/revoke objects included).
ApiAnswer create_role(const AuthState& state, const Role& in) {
  if (in.name == kRootName) return root_is_immutable();
  Writes w(state);
  w.ensure_directories();
  ApiAnswer a = state.roles.contains(in.name)
                    ? error_answer(409, "auth: Role " + in.name + " already exists.")
                    : json_answer(201, role_json(in));
  if (a.status == 201) w.put(role_key(in.name), role_json(in));
  a.writes = w.take();
  return a;
}

// RWPermission.Grant on one list: every pattern must be new. The result is sorted, never null.
std::optional<ApiAnswer> grant_patterns(std::vector<std::string>& list,
                                        const std::vector<std::string>& add,
                                        std::string_view kind) {
  std::set<std::string> set(list.begin(), list.end());
  for (const auto& p : add) {
    if (!set.insert(p).second) {
      return error_answer(409,
                          "auth: Granting duplicate " + std::string(kind) + " permission " + p);
    }
  }
  list.assign(set.begin(), set.end());
  return std::nullopt;
}

// RWPermission.Revoke on one list: absent patterns are ignored. Sorted, never null.
void revoke_patterns(std::vector<std::string>& list, const std::vector<std::string>& remove) {
  std::set<std::string> set(list.begin(), list.end());
  for (const auto& p : remove) set.erase(p);
  list.assign(set.begin(), set.end());
}

// Role.merge: the stored permissions with the grant, then the revoke, applied.
std::optional<ApiAnswer> merge_role(const Role& in, Role& next) {
  if (in.grant) {
    if (auto err = grant_patterns(next.read, in.grant->read, "read")) return err;
    if (auto err = grant_patterns(next.write, in.grant->write, "write")) return err;
    next.read_null = next.write_null = false;
  }
  if (in.revoke) {
    revoke_patterns(next.read, in.revoke->read);
    revoke_patterns(next.write, in.revoke->write);
    next.read_null = next.write_null = false;
  }
  return std::nullopt;
}

// UpdateRole: 400 when the stored role would not change (reflect.DeepEqual: null != [],
// order matters, a stored grant/revoke object counts).
ApiAnswer update_role(const AuthState& state, const Role& in) {
  if (in.name == kRootName) return root_is_immutable();
  auto old = find_role(state, in.name);
  if (!old) return error_answer(404, "auth: Role " + in.name + " does not exist.");
  Role next{old->name, old->read, old->write, old->read_null, old->write_null, {}, {}};
  if (auto err = merge_role(in, next)) return *err;
  if (next == *old) {
    return error_answer(400, "auth: Role not updated. Use grant/revoke to update the role.");
  }
  Writes w(state);
  w.put(role_key(next.name), role_json(next));
  ApiAnswer a = json_answer(200, role_json(next));
  a.writes = w.take();
  return a;
}

ApiAnswer put_role(const AuthState& state, const std::string& name, std::string_view body) {
  auto in = decode_role(body, true);
  if (!in) return error_answer(400, "Invalid JSON in request body.");
  if (in->name != name) {
    return error_answer(400, "Role JSON name does not match the name in the URL");
  }
  if (no_patterns(in->grant) && no_patterns(in->revoke)) return create_role(state, *in);
  if (!in->read.empty() || !in->write.empty()) {
    return error_answer(400, "Role JSON contains both permissions and grant/revoke");
  }
  return update_role(state, *in);
}

ApiAnswer delete_role(const AuthState& state, const std::string& name) {
  if (name == kRootName) return root_is_immutable();
  Writes w(state);
  w.ensure_directories();
  ApiAnswer a = state.roles.contains(name)
                    ? empty_answer()
                    : error_answer(404, "auth: Role " + name + " doesn't exist.");
  if (a.status == 200) w.remove(role_key(name));  // users keep the dangling name
  a.writes = w.take();
  return a;
}

}  // namespace

ApiAnswer list_roles(const AuthState& state) {
  std::vector<std::string> names{std::string(kRootName)};
  for (const auto& [name, role] : state.roles) names.push_back(name);
  std::sort(names.begin(), names.end());
  std::string body = "{\"roles\":[";
  for (size_t i = 0; i < names.size(); ++i) {
    if (i) body += ',';
    body += role_json(*find_role(state, names[i]));
  }
  body += "]}";
  return json_answer(200, std::move(body));
}

ApiAnswer handle_role(const AuthState& state, const ApiRequest& request) {
  if (request.method == "GET") return get_role(state, request.name);
  if (request.method == "PUT") return put_role(state, request.name, request.body);
  return delete_role(state, request.name);
}

}  // namespace larch::auth
