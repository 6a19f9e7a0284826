#pragma once
// etcd's auth JSON: request bodies and stored records decoded with Go's encoding/json rules
// (fields matched case-insensitively, duplicates assigned in turn, null leaves a string or
// struct unchanged but makes a list null, unknown fields ignored, a wrong type fails), and
// the bodies and records written as Go's json.Marshal writes them (compact, Go escaping).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/auth_state.h"

namespace larch::auth {

// etcd's v2auth.User as a request body (or stored record: `password` holds the hash).
struct UserJson {
  std::string user;
  std::string password;
  std::vector<std::string> roles;
  bool roles_null = true;
  std::vector<std::string> grant;
  std::vector<std::string> revoke;
};

// nullopt: not JSON, or a value of the wrong type. `trailing_ok`: see read_go_json.
std::optional<UserJson> decode_user(std::string_view text, bool trailing_ok);
// etcd's v2auth.Role; absent lists are null.
std::optional<Role> decode_role(std::string_view text, bool trailing_ok);

// Stored records: {"user":..,"password":..,"roles":..} and the Role marshalled.
std::string user_record_json(const User& user);
// {"role":..,"permissions":{"kv":{"read":..,"write":..}}} plus "grant"/"revoke" when set.
std::string role_json(const Role& role);
// A PUT's answer: {"user":..,"roles":..} (etcd clears the password, which is then omitted).
std::string user_answer_json(std::string_view name, const std::vector<std::string>& roles,
                             bool roles_null);
// GET user / users: {"user":..} or {"user":..,"roles":[<role>,...]} (empty: no field).
std::string user_with_roles_json(std::string_view name, const std::vector<Role>& roles);

}  // namespace larch::auth
