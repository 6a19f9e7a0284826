// BcryptCrypto: real bcrypt (a low cost keeps the test fast), the cache of verified pairs,
// and passwords that are not C strings.
#include "auth/bcrypt_crypto.h"

#include <catch2/catch.hpp>
#include <string>

using namespace larch::auth;

TEST_CASE("bcrypt hashes verify only their own password", "[bcrypt]") {
  BcryptCrypto crypto(4);
  std::string h = crypto.hash("secret");
  CHECK(h.rfind("$2b$04$", 0) == 0);
  CHECK(h.size() == 60);
  CHECK(crypto.hash("secret") != h);  // a fresh salt each time
  CHECK(crypto.verify("secret", h));
  CHECK(crypto.verify("secret", h));  // from the cache
  CHECK_FALSE(crypto.verify("Secret", h));
  CHECK_FALSE(crypto.verify("", h));
  CHECK_FALSE(crypto.verify("secret", "not a hash"));
  CHECK_FALSE(crypto.verify("secret", ""));
}

TEST_CASE("a password with a NUL byte is not cut at the NUL", "[bcrypt]") {
  BcryptCrypto crypto(4);
  std::string pw("a\0b", 3);
  std::string h = crypto.hash(pw);
  CHECK(crypto.verify(pw, h));
  CHECK_FALSE(crypto.verify("a", h));
  CHECK_FALSE(crypto.verify(std::string("a\0c", 3), h));
  CHECK_FALSE(crypto.verify(pw, crypto.hash("a")));
}

TEST_CASE("cheap: only requests that need no bcrypt work", "[bcrypt]") {
  BcryptCrypto crypto(4);
  AuthState state;
  state.users["alice"] = User{"alice", crypto.hash("pw"), {}};
  const std::string good = "Basic YWxpY2U6cHc=";   // alice:pw
  const std::string wrong = "Basic YWxpY2U6eHg=";  // alice:xx
  CHECK(crypto.cheap(state, std::nullopt));
  CHECK(crypto.cheap(state, std::string_view("Bearer x")));
  CHECK(crypto.cheap(state, std::string_view("Basic Ym9iOnB3")));  // bob: unknown user
  CHECK_FALSE(crypto.cheap(state, std::string_view(good)));
  CHECK_FALSE(crypto.cheap(state, std::string_view(wrong)));
  REQUIRE(crypto.verify("pw", state.users["alice"].password_hash));
  CHECK(crypto.cheap(state, std::string_view(good)));
  CHECK_FALSE(crypto.cheap(state, std::string_view(wrong)));  // failures are not cached
  // A new hash for the same password (password changed back) is not answered from the cache.
  state.users["alice"].password_hash = crypto.hash("pw");
  CHECK_FALSE(crypto.cheap(state, std::string_view(good)));
}
