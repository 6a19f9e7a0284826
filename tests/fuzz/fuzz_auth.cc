// libFuzzer target: the /v2/auth API and access decisions on arbitrary input — request
// bodies (JSON from clients), names, Authorization headers, and replicated records (a
// hostile peer's or a corrupt file's). Input layout: byte 0 picks method and resource, byte 1
// the state to start from; then name, authorization, key and body separated by '\n'.
// Contract: never crashes; every answer has a known status; every record an answer asks to
// replicate applies to the state it came from (so all members agree on it).
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "auth/auth_api.h"
#include "fuzz_input.h"

namespace {

using larch::fuzz::next_part;

using namespace larch::auth;

class FakeCrypto : public Crypto {
 public:
  std::string hash(std::string_view password) override { return "h:" + std::string(password); }
  bool verify(std::string_view password, std::string_view hash) override {
    return hash == "h:" + std::string(password);
  }
};

AuthState start_state(uint8_t pick) {
  AuthState s;
  if (pick & 1) s.users["root"] = User{"root", "h:pw", {"root"}};
  if (pick & 2) s.roles["guest"] = Role{"guest", {"/*"}, {"/*"}};
  if (pick & 4) s.roles["app"] = Role{"app", {"/app/*", "/pub"}, {"/app/*"}};
  if (pick & 8) s.users["alice"] = User{"alice", "h:a", {"app", "gone"}};
  s.enabled = (pick & 16) && (pick & 1);
  // Any record applied marks the auth directories as written (etcd's first-write records).
  s.initialized = (pick & 31) != 0 || (pick & 32);
  return s;
}

bool known_status(int s) {
  switch (s) {
    case 200:
    case 201:
    case 400:
    case 401:
    case 403:
    case 404:
    case 405:
    case 409:
      return true;
    default:
      return false;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  static constexpr std::string_view kMethods[] = {"GET", "PUT", "DELETE"};
  static constexpr Resource kResources[] = {Resource::kEnable, Resource::kUsers, Resource::kUser,
                                            Resource::kRoles, Resource::kRole};
  AuthState state = start_state(data[1]);
  std::string_view rest(reinterpret_cast<const char*>(data) + 2, size - 2);
  std::string name(next_part(rest));
  std::string_view authorization = next_part(rest);
  std::string_view key = next_part(rest);
  FakeCrypto crypto;
  std::optional<std::string_view> auth;
  if (!authorization.empty()) auth = authorization;

  (void)parse_basic(authorization);
  // The name also serves as a client certificate's CN (TLS --client-cert-auth).
  (void)key_access_allowed(state, auth, key, data[0] & 0x80, data[0] & 0x40, crypto);
  (void)key_access_allowed(state, auth, key, data[0] & 0x80, data[0] & 0x40, crypto, name);
  (void)root_allowed(state, auth, crypto);
  (void)root_allowed(state, auth, crypto, name);

  // The router passes a non-empty name without '/' for users/<name> and roles/<name> ("" is
  // the list; an extra path segment is "Invalid path").
  Resource resource = kResources[(data[0] / 3) % 5];
  bool named = resource == Resource::kUser || resource == Resource::kRole;
  if (named == name.empty() || name.find('/') != std::string::npos) return 0;
  ApiRequest req{kMethods[data[0] % 3], resource, name, rest, auth, {}};
  if (data[1] & 0x80) req.cert_user = name;
  ApiAnswer answer = handle_api(state, req, crypto);
  if (!known_status(answer.status)) std::abort();
  for (const Record& r : answer.writes) {
    if (!is_record_key(r.key) || !apply_record(state, r)) std::abort();
  }
  // The records of a state rebuild an equal state.
  AuthState copy;
  for (const Record& r : records_of(state)) {
    if (!apply_record(copy, r)) std::abort();
  }
  if (!(copy == state)) std::abort();
  return 0;
}
