#pragma once
// Crypto with bcrypt (libxcrypt's "$2b$", cost 10, as etcd's v2 auth uses) and a cache of
// verified passwords. A bcrypt check costs ~50 ms of CPU; etcd pays it on every request
// that carries credentials, Larch once per (stored hash, password) pair: the cache keys on
// the stored hash and a SHA-256 of the password, so a changed password or a deleted user
// can never be answered from it. Thread-safe.
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>

#include "auth/auth_api.h"

namespace larch::auth {

class BcryptCrypto : public Crypto {
 public:
  explicit BcryptCrypto(int cost = 10) : cost_(cost) {}

  std::string hash(std::string_view password) override;
  bool verify(std::string_view password, std::string_view hash) override;

  // True when deciding this request's credentials against `state` needs no bcrypt work: no
  // or unparsable credentials, an unknown user, or a pair verified before.
  bool cheap(const AuthState& state, std::optional<std::string_view> authorization);

 private:
  std::string cache_key(std::string_view password, std::string_view hash) const;

  static constexpr size_t kMaxCached = 4096;  // verified pairs kept (cleared when full)
  int cost_;
  std::mutex mu_;
  std::unordered_set<std::string> verified_;
};

}  // namespace larch::auth
