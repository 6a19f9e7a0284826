#include "auth/auth_state.h"

#include <algorithm>

#include "auth/auth_json.h"

namespace larch::auth {
namespace {

// The <name> of "<prefix><name>", or "" when `key` is not such a key.
std::string_view name_after(std::string_view key, std::string_view prefix) {
  if (key.substr(0, prefix.size()) != prefix) return {};
  std::string_view name = key.substr(prefix.size());
  return name.find('/') == std::string_view::npos ? name : std::string_view{};
}

bool is_dir_key(std::string_view key) {
  return std::find(std::begin(kDirKeys), std::end(kDirKeys), key) != std::end(kDirKeys);
}

bool apply_enabled(AuthState& state, const std::optional<std::string>& value) {
  // json.Unmarshal into a bool; etcd writes "true" / "false".
  if (value == "true" || value == "false") {
    state.enabled = *value == "true";
    return true;
  }
  return false;
}

bool apply_user(AuthState& state, std::string_view name, const std::optional<std::string>& value) {
  if (!value) {
    state.users.erase(std::string(name));
    return true;
  }
  auto u = decode_user(*value, false);
  if (!u || u->user != name) return false;
  state.users[u->user] = User{u->user, u->password, u->roles, u->roles_null};
  return true;
}

bool apply_role(AuthState& state, std::string_view name, const std::optional<std::string>& value) {
  if (!value) {
    state.roles.erase(std::string(name));
    return true;
  }
  auto r = decode_role(*value, false);
  if (!r || r->name != name) return false;
  state.roles[r->name] = std::move(*r);
  return true;
}

bool apply(AuthState& state, const Record& record) {
  if (is_dir_key(record.key)) return record.value == "";
  if (record.key == kEnabledKey) return apply_enabled(state, record.value);
  if (auto name = name_after(record.key, kUsersPrefix); !name.empty()) {
    return apply_user(state, name, record.value);
  }
  return apply_role(state, name_after(record.key, kRolesPrefix), record.value);
}

}  // namespace

bool is_record_key(std::string_view key) {
  if (is_dir_key(key) || key == kEnabledKey || !name_after(key, kUsersPrefix).empty()) {
    return true;
  }
  std::string_view role = name_after(key, kRolesPrefix);
  return !role.empty() && role != kRootName;
}

bool apply_record(AuthState& state, const Record& record) {
  if (!is_record_key(record.key) || !apply(state, record)) return false;
  state.initialized = true;
  return true;
}

std::vector<Record> records_of(const AuthState& state) {
  std::vector<Record> out;
  if (state.initialized || state.enabled) {
    for (std::string_view dir : kDirKeys) out.push_back({std::string(dir), ""});
    out.push_back({std::string(kEnabledKey), state.enabled ? "true" : "false"});
  }
  for (const auto& [name, user] : state.users) {
    out.push_back({std::string(kUsersPrefix) + name, user_record_json(user)});
  }
  for (const auto& [name, role] : state.roles) {
    out.push_back({std::string(kRolesPrefix) + name, role_json(role)});
  }
  return out;
}

std::optional<User> find_user(const AuthState& state, std::string_view name) {
  auto it = state.users.find(std::string(name));
  if (it == state.users.end()) return std::nullopt;
  User u = it->second;
  if (name == kRootName && std::find(u.roles.begin(), u.roles.end(), kRootName) == u.roles.end()) {
    u.roles.emplace_back(kRootName);
    u.roles_null = false;
  }
  return u;
}

std::optional<Role> find_role(const AuthState& state, std::string_view name) {
  if (name == kRootName) {
    Role root;
    root.name = kRootName;
    root.read = {"/*"};
    root.write = {"/*"};
    return root;
  }
  auto it = state.roles.find(std::string(name));
  if (it == state.roles.end()) return std::nullopt;
  return it->second;
}

}  // namespace larch::auth
