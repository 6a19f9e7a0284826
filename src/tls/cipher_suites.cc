#include "tls/cipher_suites.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <array>
#include <string_view>

namespace larch::tls {
namespace {

struct Suite {
  std::string_view go_name;  // as etcd 3.4 (Go 1.19) accepts it
  std::string_view openssl;  // OpenSSL's name; empty for TLS 1.3 suites
};

// The names etcd 3.4.23 accepts (checked against it one by one), with OpenSSL's names.
constexpr std::array<Suite, 27> kSuites{{
    {"TLS_RSA_WITH_RC4_128_SHA", "RC4-SHA"},
    {"TLS_RSA_WITH_3DES_EDE_CBC_SHA", "DES-CBC3-SHA"},
    {"TLS_RSA_WITH_AES_128_CBC_SHA", "AES128-SHA"},
    {"TLS_RSA_WITH_AES_256_CBC_SHA", "AES256-SHA"},
    {"TLS_RSA_WITH_AES_128_CBC_SHA256", "AES128-SHA256"},
    {"TLS_RSA_WITH_AES_128_GCM_SHA256", "AES128-GCM-SHA256"},
    {"TLS_RSA_WITH_AES_256_GCM_SHA384", "AES256-GCM-SHA384"},
    {"TLS_ECDHE_ECDSA_WITH_RC4_128_SHA", "ECDHE-ECDSA-RC4-SHA"},
    {"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", "ECDHE-ECDSA-AES128-SHA"},
    {"TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", "ECDHE-ECDSA-AES256-SHA"},
    {"TLS_ECDHE_RSA_WITH_RC4_128_SHA", "ECDHE-RSA-RC4-SHA"},
    {"TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA", "ECDHE-RSA-DES-CBC3-SHA"},
    {"TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", "ECDHE-RSA-AES128-SHA"},
    {"TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", "ECDHE-RSA-AES256-SHA"},
    {"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", "ECDHE-ECDSA-AES128-SHA256"},
    {"TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", "ECDHE-RSA-AES128-SHA256"},
    {"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "ECDHE-RSA-AES128-GCM-SHA256"},
    {"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "ECDHE-ECDSA-AES128-GCM-SHA256"},
    {"TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "ECDHE-RSA-AES256-GCM-SHA384"},
    {"TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "ECDHE-ECDSA-AES256-GCM-SHA384"},
    {"TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305", "ECDHE-RSA-CHACHA20-POLY1305"},
    {"TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305", "ECDHE-ECDSA-CHACHA20-POLY1305"},
    {"TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-RSA-CHACHA20-POLY1305"},
    {"TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-ECDSA-CHACHA20-POLY1305"},
    {"TLS_AES_128_GCM_SHA256", ""},
    {"TLS_AES_256_GCM_SHA384", ""},
    {"TLS_CHACHA20_POLY1305_SHA256", ""},
}};

const Suite* find(std::string_view go_name) {
  for (const auto& s : kSuites) {
    if (s.go_name == go_name) return &s;
  }
  return nullptr;
}

}  // namespace

std::string check_cipher_suites(const std::vector<std::string>& names) {
  for (const auto& n : names) {
    if (!find(n)) return "unexpected TLS cipher suite \"" + n + "\"";
  }
  return {};
}

std::string openssl_cipher_list(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) {
    const Suite* s = find(n);
    if (!s || s->openssl.empty()) continue;
    if (!out.empty()) out += ':';
    out += s->openssl;
  }
  return out;
}

std::string apply_cipher_suites(boost::asio::ssl::context& ctx,
                                const std::vector<std::string>& names) {
  if (names.empty()) return {};
  if (auto err = check_cipher_suites(names); !err.empty()) return err;
  std::string list = openssl_cipher_list(names);
  SSL_CTX* native = ctx.native_handle();
  if (list.empty()) {
    SSL_CTX_set_min_proto_version(native, TLS1_3_VERSION);
    return {};
  }
  if (SSL_CTX_set_cipher_list(native, list.c_str()) != 1) {
    ERR_clear_error();
    return "tls: none of the --cipher-suites is available in this OpenSSL build";
  }
  return {};
}

}  // namespace larch::tls
