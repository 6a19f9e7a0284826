#pragma once
// Shared by the auth tests: a fake Crypto, Basic header building, request shortcuts and
// applying an answer's writes the way the server does.
#include <catch2/catch.hpp>
#include <string>
#include <string_view>

#include "auth/auth_api.h"

namespace larch::auth::testing {

// hash = "h:" + password; verify compares. Counts calls so tests can see bcrypt avoided.
class FakeCrypto : public Crypto {
 public:
  std::string hash(std::string_view password) override {
    ++hashes;
    return "h:" + std::string(password);
  }
  bool verify(std::string_view password, std::string_view hash) override {
    ++verifies;
    return hash == "h:" + std::string(password);
  }
  int hashes = 0;
  int verifies = 0;
};

inline std::string base64(std::string_view in) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (size_t i = 0; i < in.size(); i += 3) {
    uint32_t n = static_cast<unsigned char>(in[i]) << 16;
    if (i + 1 < in.size()) n |= static_cast<unsigned char>(in[i + 1]) << 8;
    if (i + 2 < in.size()) n |= static_cast<unsigned char>(in[i + 2]);
    out += kAlphabet[n >> 18 & 63];
    out += kAlphabet[n >> 12 & 63];
    out += i + 1 < in.size() ? kAlphabet[n >> 6 & 63] : '=';
    out += i + 2 < in.size() ? kAlphabet[n & 63] : '=';
  }
  return out;
}

inline std::string basic(std::string_view user, std::string_view password) {
  return "Basic " + base64(std::string(user) + ":" + std::string(password));
}

// Applies every write of `a` to `state` (each must apply, as replication requires).
inline void apply_writes(AuthState& state, const ApiAnswer& a) {
  for (const auto& r : a.writes) REQUIRE(apply_record(state, r));
}

// A harness holding the applied state: call() answers and replicates like the server.
struct Server {
  AuthState state;
  FakeCrypto crypto;
  std::optional<std::string> auth;  // Authorization header for the next requests
  std::string cert_user;            // a verified client certificate's CN (TLS)

  ApiAnswer call(std::string_view method, Resource resource, std::string name = "",
                 std::string_view body = "") {
    ApiRequest req;
    req.method = method;
    req.resource = resource;
    req.name = std::move(name);
    req.body = body;
    if (auth) req.authorization = *auth;
    req.cert_user = cert_user;
    ApiAnswer a = handle_api(state, req, crypto);
    apply_writes(state, a);
    return a;
  }
  ApiAnswer put_user(std::string name, std::string_view body) {
    return call("PUT", Resource::kUser, std::move(name), body);
  }
  ApiAnswer put_role(std::string name, std::string_view body) {
    return call("PUT", Resource::kRole, std::move(name), body);
  }
  bool key(std::string_view k, bool write, bool recursive = false) {
    std::optional<std::string_view> h;
    if (auth) h = *auth;
    return key_access_allowed(state, h, k, write, recursive, crypto, cert_user);
  }
};

// An answer with this status and exact body, JSON, with the cluster id header.
inline void check_answer(const ApiAnswer& a, int status, const std::string& body) {
  CHECK(a.status == status);
  CHECK(a.body == body);
  CHECK(a.json);
  CHECK(a.cluster_id_header);
}

// etcd's error answer {"message":"..."} (no trailing newline), changing nothing.
inline void check_error(const ApiAnswer& a, int status, const std::string& message) {
  check_answer(a, status, R"({"message":")" + message + R"("})");
  CHECK(a.writes.empty());
}

// A server whose auth directories exist (etcd's first-write records already written).
inline Server initialized() {
  Server s;
  s.state.initialized = true;
  return s;
}

}  // namespace larch::auth::testing
