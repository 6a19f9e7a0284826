// parse_basic, key_access_allowed and root_allowed (spec §9.4), after etcd's
// v2http/client_auth.go (hasKeyPrefixAccess, hasGuestAccess, hasRootAccess).
#include <algorithm>

#include "auth/auth_api.h"

namespace larch::auth {
namespace {

int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// Go's base64.StdEncoding.DecodeString: padded standard alphabet; '\r' and '\n' are skipped
// anywhere; unused low bits of the last quantum need not be zero.
std::optional<std::string> decode_base64(std::string_view in) {
  std::string s;
  for (char c : in) {
    if (c != '\r' && c != '\n') s += c;
  }
  if (s.size() % 4 != 0) return std::nullopt;
  std::string out;
  for (size_t q = 0; q < s.size(); q += 4) {
    bool last = q + 4 == s.size();
    size_t pad = last && s[q + 3] == '=' ? (s[q + 2] == '=' ? 2 : 1) : 0;
    uint32_t bits = 0;
    for (size_t k = 0; k < 4; ++k) {
      int v = k < 4 - pad ? base64_value(s[q + k]) : 0;
      if (v < 0) return std::nullopt;
      bits = bits << 6 | static_cast<uint32_t>(v);
    }
    for (size_t k = 0; k < 3 - pad; ++k) out += static_cast<char>(bits >> (16 - 8 * k) & 0xff);
  }
  return out;
}

bool iequals_ascii(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? char(c + 32) : c; };
           return lower(x) == lower(y);
         });
}

// etcd's simpleMatch / prefixMatch. A pattern ending in '*' matches keys starting with the
// rest; other patterns match only the same key, and only when `prefix_only` is false. (An
// empty pattern makes etcd panic and drop the connection; here it matches nothing.)
bool pattern_matches(std::string_view pattern, std::string_view key, bool prefix_only) {
  if (pattern.empty()) return false;
  if (pattern.back() == '*')
    return key.substr(0, pattern.size() - 1) == pattern.substr(0, pattern.size() - 1);
  return !prefix_only && key == pattern;
}

// Role.HasKeyAccess / HasRecursiveAccess.
bool role_grants(const Role& role, std::string_view key, bool write, bool recursive) {
  if (role.name == kRootName) return true;
  const auto& patterns = write ? role.write : role.read;
  return std::any_of(patterns.begin(), patterns.end(),
                     [&](const std::string& p) { return pattern_matches(p, key, recursive); });
}

bool has_header(std::optional<std::string_view> authorization) {
  // etcd tests r.Header.Get("Authorization") == "": an empty header counts as none.
  return authorization && !authorization->empty();
}

}  // namespace

std::optional<Credentials> parse_basic(std::string_view authorization) {
  constexpr std::string_view kPrefix = "Basic ";
  if (authorization.size() < kPrefix.size() ||
      !iequals_ascii(authorization.substr(0, kPrefix.size()), kPrefix)) {
    return std::nullopt;
  }
  auto decoded = decode_base64(authorization.substr(kPrefix.size()));
  if (!decoded) return std::nullopt;
  size_t colon = decoded->find(':');
  if (colon == std::string::npos) return std::nullopt;
  return Credentials{decoded->substr(0, colon), decoded->substr(colon + 1)};
}

std::optional<User> authenticate(const AuthState& state, std::string_view authorization,
                                 Crypto& crypto) {
  auto creds = parse_basic(authorization);
  if (!creds) return std::nullopt;
  auto user = find_user(state, creds->user);
  if (!user || !crypto.verify(creds->password, user->password_hash)) return std::nullopt;
  return user;
}

namespace {

// etcd's hasKeyPrefixAccess/hasRootAccess: Basic credentials when the header is there (no
// fallback when they fail), else the certificate's user; nullopt means neither names one.
std::optional<User> caller(const AuthState& state, std::optional<std::string_view> authorization,
                           Crypto& crypto, std::string_view cert_user, bool& denied) {
  denied = false;
  if (has_header(authorization)) {
    auto user = authenticate(state, *authorization, crypto);
    denied = !user;
    return user;
  }
  if (cert_user.empty()) return std::nullopt;
  return find_user(state, cert_user);
}

}  // namespace

bool key_access_allowed(const AuthState& state, std::optional<std::string_view> authorization,
                        std::string_view raw_key, bool write, bool recursive, Crypto& crypto,
                        std::string_view cert_user) {
  if (!state.enabled) return true;
  bool denied = false;
  auto user = caller(state, authorization, crypto, cert_user, denied);
  if (denied) return false;
  if (!user) {
    // The guest role, matched non-recursively even for recursive requests.
    auto guest = find_role(state, kGuestName);
    return guest && role_grants(*guest, raw_key, write, false);
  }
  return std::any_of(user->roles.begin(), user->roles.end(), [&](const std::string& name) {
    auto role = find_role(state, name);  // roles that no longer exist grant nothing
    return role && role_grants(*role, raw_key, write, recursive);
  });
}

bool root_allowed(const AuthState& state, std::optional<std::string_view> authorization,
                  Crypto& crypto, std::string_view cert_user) {
  if (!state.enabled) return true;
  bool denied = false;
  auto user = caller(state, authorization, crypto, cert_user, denied);
  return user && std::find(user->roles.begin(), user->roles.end(), kRootName) != user->roles.end();
}

}  // namespace larch::auth
