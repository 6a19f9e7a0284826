#pragma once
// etcd v2 authentication state (spec §9): users, roles, the enabled flag, and the records
// that replicate them. Pure data and functions; any thread. The server keeps the applied
// state behind a shared_ptr<const AuthState> that request handlers read without locks.
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace larch::auth {

inline constexpr std::string_view kRootName = "root";
inline constexpr std::string_view kGuestName = "guest";

// etcd keeps Go's distinction between a null list and [] in the JSON it stores: it shows in
// what etcd echoes ("read":null) and in its "not updated" checks (null != []). A *_null flag
// set means the list is null (and then empty).

// permissions.kv of etcd's role JSON.
struct KvPermissions {
  std::vector<std::string> read;
  std::vector<std::string> write;
  bool read_null = false;
  bool write_null = false;
  bool operator==(const KvPermissions&) const = default;
};

struct Role {
  std::string name;
  std::vector<std::string> read;  // key patterns (spec §9.4), as stored
  std::vector<std::string> write;
  bool read_null = false;
  bool write_null = false;
  // A create request whose "grant"/"revoke" held no pattern (e.g. {"kv":{"read":[]}}) is
  // stored verbatim by etcd, which then shows these objects on GET until the next update.
  std::optional<KvPermissions> grant;
  std::optional<KvPermissions> revoke;
  bool operator==(const Role&) const = default;
};

struct User {
  std::string name;
  std::string password_hash;       // bcrypt ("$2b$10$...")
  std::vector<std::string> roles;  // role names; may name roles that no longer exist
  bool roles_null = false;
  bool operator==(const User&) const = default;
};

struct AuthState {
  bool enabled = false;
  // etcd creates its directories "/2", "/2/users/", "/2/roles/" and "/2/enabled" = "false"
  // (four etcd indexes) before its first auth write; true once they exist.
  bool initialized = false;
  std::map<std::string, User> users;
  std::map<std::string, Role> roles;  // the built-in role "root" is never stored here
  bool operator==(const AuthState&) const = default;
};

// One replicated change, in etcd's internal-store layout (each consumes one etcd index):
//   "/2/enabled"       "true" | "false"
//   "/2/users/<name>"  {"user":"<name>","password":"<hash>","roles":["a",...]}
//   "/2/roles/<name>"  {"role":"<name>","permissions":{"kv":{"read":[...],"write":[...]}}}
//   "/2", "/2/users/", "/2/roles/"  ""  (creates that directory; see AuthState::initialized)
// value == nullopt deletes the record (users and roles only).
struct Record {
  std::string key;
  std::optional<std::string> value;
  bool operator==(const Record&) const = default;
};

inline constexpr std::string_view kEnabledKey = "/2/enabled";
inline constexpr std::string_view kUsersPrefix = "/2/users/";
inline constexpr std::string_view kRolesPrefix = "/2/roles/";
inline constexpr std::string_view kDirKeys[] = {"/2", kUsersPrefix, kRolesPrefix};

// True for keys of the layout above (a name is non-empty and has no '/'; "/2/roles/root"
// is not one: the root role is built in).
bool is_record_key(std::string_view key);
// Applies one record. Returns false (state unchanged) for a key outside the layout or a
// value that does not parse (or names another user/role than its key). Any applied record
// sets `initialized`: etcd writes none before its directories exist.
bool apply_record(AuthState& state, const Record& record);
// Every record of `state` (for tests and dumps): directories and enabled flag (when
// initialized or enabled), then users, then roles.
std::vector<Record> records_of(const AuthState& state);

// etcd's lookups: user "root" always carries role "root" (appended when missing); role
// "root" is the built-in full-access role. nullopt when absent.
std::optional<User> find_user(const AuthState& state, std::string_view name);
std::optional<Role> find_role(const AuthState& state, std::string_view name);

}  // namespace larch::auth
