#pragma once
// The /v2/auth API and the access decisions of spec §9, as pure functions over an
// AuthState. They never write: a change comes back as the records to replicate (in order,
// one etcd index each); the caller replicates them and then sends the answer. Password
// hashing and checking go through Crypto (bcrypt is slow: callers run these functions off
// the I/O threads whenever a Crypto call may miss its cache).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/auth_state.h"

namespace larch::auth {

class Crypto {
 public:
  virtual ~Crypto() = default;
  virtual std::string hash(std::string_view password) = 0;
  virtual bool verify(std::string_view password, std::string_view hash) = 0;
};

struct Credentials {
  std::string user;
  std::string password;
};
// "Basic base64(user:password)" -> credentials; nullopt for any other scheme or bad base64.
std::optional<Credentials> parse_basic(std::string_view authorization);
// The user (as find_user returns it) that Basic credentials name, when the password
// verifies against the stored hash; nullopt otherwise.
std::optional<User> authenticate(const AuthState& state, std::string_view authorization,
                                 Crypto& crypto);

// authorization: the Authorization header's value, nullopt when the request had none (an
// empty value counts as none, as etcd tests Header.Get("Authorization") == "").
// cert_user: the verified TLS client certificate's Common Name under --client-cert-auth
// (empty otherwise). Without an Authorization header it names the user when such a user
// exists (no password: the certificate is the credential); else the guest role applies to
// keys and root access is refused, as in etcd.
// /v2/keys access (spec §9.4): true when auth is disabled or the request may proceed.
// write = PUT/POST/DELETE; recursive = the request's recursive=true; raw_key = the decoded
// path after /v2/keys, trailing slash kept.
bool key_access_allowed(const AuthState& state, std::optional<std::string_view> authorization,
                        std::string_view raw_key, bool write, bool recursive, Crypto& crypto,
                        std::string_view cert_user = {});
// True when auth is disabled or the credentials name a user holding the root role (for
// /v2/members writes and the /v2/auth API).
bool root_allowed(const AuthState& state, std::optional<std::string_view> authorization,
                  Crypto& crypto, std::string_view cert_user = {});

enum class Resource {
  kEnable,  // /v2/auth/enable
  kUsers,   // /v2/auth/users
  kUser,    // /v2/auth/users/<name>
  kRoles,   // /v2/auth/roles
  kRole,    // /v2/auth/roles/<name>
};

struct ApiRequest {
  std::string_view method;  // GET, PUT, DELETE (the router answers 405 for others)
  Resource resource = Resource::kEnable;
  std::string name;  // kUser / kRole: the decoded name from the path
  std::string_view body;
  std::optional<std::string_view> authorization;
  std::string_view cert_user;  // see key_access_allowed
};

struct ApiAnswer {
  int status = 200;
  std::string body;               // exact bytes etcd sends ("" = empty body)
  bool json = true;               // Content-Type: application/json (else none)
  bool cluster_id_header = true;  // X-Etcd-Cluster-Id (etcd omits it on 401)
  std::vector<Record> writes;     // to replicate, in order, before answering
};

// One /v2/auth request (spec §9.2, §9.3), answered exactly as etcd 3.4 does. `writes` may be
// non-empty on an error too: etcd creates its auth directories (AuthState::initialized)
// before a DELETE finds the user or role missing. A method the endpoint does not accept
// (which the router answers first) gets 405 "Method Not Allowed\n", json=false,
// cluster_id_header=false.
ApiAnswer handle_api(const AuthState& state, const ApiRequest& request, Crypto& crypto);

}  // namespace larch::auth
