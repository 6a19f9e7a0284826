#include "auth/bcrypt_crypto.h"

#include <crypt.h>
#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <memory>
#include <stdexcept>
#include <string_view>

#include "util/hex_bytes.h"

namespace larch::auth {

namespace {

// crypt() takes a C string, so a password with a NUL byte would be cut at the NUL ("a\0b"
// would be accepted as "a"). Such a password is hashed as a marker plus the hex SHA-256 of
// all its bytes instead; every other password is used as it is.
std::string crypt_input(std::string_view password) {
  if (password.find('\0') == std::string_view::npos) return std::string(password);
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(password.data()), password.size(), digest);
  return "\x01sha256:" +
         util::to_hex(std::string_view(reinterpret_cast<const char*>(digest), sizeof digest));
}

}  // namespace

std::string BcryptCrypto::hash(std::string_view password) {
  char salt[CRYPT_GENSALT_OUTPUT_SIZE];
  // rbytes == nullptr: libxcrypt draws the salt from the OS's random source.
  if (crypt_gensalt_rn("$2b$", static_cast<unsigned long>(cost_), nullptr, 0, salt, sizeof salt) ==
      nullptr) {
    throw std::runtime_error("bcrypt: cannot make a salt");
  }
  auto data = std::make_unique<crypt_data>();
  const char* out = crypt_rn(crypt_input(password).c_str(), salt, data.get(), sizeof *data);
  if (out == nullptr || out[0] == '*') throw std::runtime_error("bcrypt: hashing failed");
  return out;
}

bool BcryptCrypto::verify(std::string_view password, std::string_view hash) {
  std::string key = cache_key(password, hash);
  {
    std::lock_guard lock(mu_);
    if (verified_.count(key) != 0) return true;
  }
  std::string stored(hash);
  auto data = std::make_unique<crypt_data>();
  const char* out =
      crypt_rn(crypt_input(password).c_str(), stored.c_str(), data.get(), sizeof *data);
  // A malformed stored hash makes crypt fail ("*0"/"*1"): never a match.
  bool ok = out != nullptr && out[0] != '*' && std::string_view(out).size() == stored.size() &&
            CRYPTO_memcmp(out, stored.data(), stored.size()) == 0;
  if (ok) {
    std::lock_guard lock(mu_);
    if (verified_.size() >= kMaxCached) verified_.clear();
    verified_.insert(std::move(key));
  }
  return ok;
}

bool BcryptCrypto::cheap(const AuthState& state, std::optional<std::string_view> authorization) {
  if (!authorization) return true;
  auto creds = parse_basic(*authorization);
  if (!creds) return true;
  auto it = state.users.find(creds->user);
  if (it == state.users.end()) return true;
  std::lock_guard lock(mu_);
  return verified_.count(cache_key(creds->password, it->second.password_hash)) != 0;
}

std::string BcryptCrypto::cache_key(std::string_view password, std::string_view hash) const {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(password.data()), password.size(), digest);
  std::string key(hash);
  key.push_back('\0');
  key.append(reinterpret_cast<const char*>(digest), sizeof digest);
  return key;
}

}  // namespace larch::auth
