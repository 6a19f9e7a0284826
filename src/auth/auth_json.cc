#include "auth/auth_json.h"

#include "auth/go_json_reader.h"
#include "util/go_json.h"

namespace larch::auth {
namespace {

using Kind = JsonNode::Kind;

// Go decoding into a string: null leaves it unchanged.
bool decode_string(const JsonNode& n, std::string& out) {
  if (n.kind == Kind::kString) out = n.text;
  return n.kind == Kind::kString || n.kind == Kind::kNull;
}

// Go decoding into a []string: null -> nil; an array replaces the elements (a null element
// keeps what the reused slice held there, "" for a new one).
bool decode_strings(const JsonNode& n, std::vector<std::string>& out, bool& is_null) {
  if (n.kind == Kind::kNull) {
    out.clear();
    is_null = true;
    return true;
  }
  if (n.kind != Kind::kArray) return false;
  std::vector<std::string> next(n.items.size());
  for (size_t i = 0; i < n.items.size(); ++i) {
    if (i < out.size()) next[i] = std::move(out[i]);
    if (!decode_string(n.items[i], next[i])) return false;
  }
  out = std::move(next);
  is_null = false;
  return true;
}

bool decode_strings(const JsonNode& n, std::vector<std::string>& out) {
  bool ignored = false;
  return decode_strings(n, out, ignored);
}

// Go decoding into a struct: null leaves it unchanged; each member whose key matches a
// field is decoded in document order by `field(key, value)` (false = wrong type).
template <typename F>
bool decode_object(const JsonNode& n, F field) {
  if (n.kind == Kind::kNull) return true;
  if (n.kind != Kind::kObject) return false;
  for (const auto& [key, value] : n.members) {
    if (!field(key, value)) return false;
  }
  return true;
}

// {"read":[..],"write":[..]}
bool decode_kv(const JsonNode& n, std::vector<std::string>& read, bool& read_null,
               std::vector<std::string>& write, bool& write_null) {
  return decode_object(n, [&](const std::string& key, const JsonNode& v) {
    if (go_key_matches(key, "read")) return decode_strings(v, read, read_null);
    if (go_key_matches(key, "write")) return decode_strings(v, write, write_null);
    return true;
  });
}

// Permissions {"kv":{..}}.
bool decode_permissions(const JsonNode& n, std::vector<std::string>& read, bool& read_null,
                        std::vector<std::string>& write, bool& write_null) {
  return decode_object(n, [&](const std::string& key, const JsonNode& v) {
    if (go_key_matches(key, "kv")) return decode_kv(v, read, read_null, write, write_null);
    return true;
  });
}

// *Permissions: null -> nil; an object fills the (new or existing) struct.
bool decode_permissions_ptr(const JsonNode& n, std::optional<KvPermissions>& out) {
  if (n.kind == Kind::kNull) {
    out.reset();
    return true;
  }
  if (n.kind != Kind::kObject) return false;
  if (!out) {
    out.emplace();
    out->read_null = out->write_null = true;
  }
  return decode_permissions(n, out->read, out->read_null, out->write, out->write_null);
}

bool decode_user_node(const JsonNode& n, UserJson& u) {
  return decode_object(n, [&](const std::string& key, const JsonNode& v) {
    if (go_key_matches(key, "user")) return decode_string(v, u.user);
    if (go_key_matches(key, "password")) return decode_string(v, u.password);
    if (go_key_matches(key, "roles")) return decode_strings(v, u.roles, u.roles_null);
    if (go_key_matches(key, "grant")) return decode_strings(v, u.grant);
    if (go_key_matches(key, "revoke")) return decode_strings(v, u.revoke);
    return true;
  });
}

bool decode_role_node(const JsonNode& n, Role& r) {
  return decode_object(n, [&](const std::string& key, const JsonNode& v) {
    if (go_key_matches(key, "role")) return decode_string(v, r.name);
    if (go_key_matches(key, "permissions")) {
      return decode_permissions(v, r.read, r.read_null, r.write, r.write_null);
    }
    if (go_key_matches(key, "grant")) return decode_permissions_ptr(v, r.grant);
    if (go_key_matches(key, "revoke")) return decode_permissions_ptr(v, r.revoke);
    return true;
  });
}

void append_strings(std::string& out, const std::vector<std::string>& xs, bool is_null) {
  if (is_null) {
    out += "null";
    return;
  }
  out += '[';
  for (size_t i = 0; i < xs.size(); ++i) {
    if (i) out += ',';
    util::append_json_string(out, xs[i]);
  }
  out += ']';
}

// {"kv":{"read":..,"write":..}}
void append_permissions(std::string& out, const std::vector<std::string>& read, bool read_null,
                        const std::vector<std::string>& write, bool write_null) {
  out += "{\"kv\":{\"read\":";
  append_strings(out, read, read_null);
  out += ",\"write\":";
  append_strings(out, write, write_null);
  out += "}}";
}

void append_permissions(std::string& out, const KvPermissions& p) {
  append_permissions(out, p.read, p.read_null, p.write, p.write_null);
}

}  // namespace

std::optional<UserJson> decode_user(std::string_view text, bool trailing_ok) {
  auto node = read_go_json(text, trailing_ok);
  UserJson u;
  if (!node || !decode_user_node(*node, u)) return std::nullopt;
  return u;
}

std::optional<Role> decode_role(std::string_view text, bool trailing_ok) {
  auto node = read_go_json(text, trailing_ok);
  Role r;
  r.read_null = r.write_null = true;
  if (!node || !decode_role_node(*node, r)) return std::nullopt;
  return r;
}

std::string user_record_json(const User& user) {
  std::string out = "{\"user\":";
  util::append_json_string(out, user.name);
  if (!user.password_hash.empty()) {  // omitempty
    out += ",\"password\":";
    util::append_json_string(out, user.password_hash);
  }
  out += ",\"roles\":";
  append_strings(out, user.roles, user.roles_null);
  out += '}';
  return out;
}

std::string role_json(const Role& role) {
  std::string out = "{\"role\":";
  util::append_json_string(out, role.name);
  out += ",\"permissions\":";
  append_permissions(out, role.read, role.read_null, role.write, role.write_null);
  if (role.grant) {
    out += ",\"grant\":";
    append_permissions(out, *role.grant);
  }
  if (role.revoke) {
    out += ",\"revoke\":";
    append_permissions(out, *role.revoke);
  }
  out += '}';
  return out;
}

std::string user_answer_json(std::string_view name, const std::vector<std::string>& roles,
                             bool roles_null) {
  std::string out = "{\"user\":";
  util::append_json_string(out, name);
  out += ",\"roles\":";
  append_strings(out, roles, roles_null);
  out += '}';
  return out;
}

std::string user_with_roles_json(std::string_view name, const std::vector<Role>& roles) {
  std::string out = "{\"user\":";
  util::append_json_string(out, name);
  if (!roles.empty()) {
    out += ",\"roles\":[";
    for (size_t i = 0; i < roles.size(); ++i) {
      if (i) out += ',';
      out += role_json(roles[i]);
    }
    out += ']';
  }
  out += '}';
  return out;
}

}  // namespace larch::auth
