// --cipher-suites: etcd's names, OpenSSL's names for them, and handshakes under a list.
#include "tls/cipher_suites.h"

#include <openssl/ssl.h>

#include <catch2/catch.hpp>

#include "handshake.h"
#include "tls/tls_context.h"
#include "tls_data.h"

namespace asio = boost::asio;
using namespace larch::tls;
using larch::tls::testing::handshake;

namespace {

using larch::tls::testing::data;

std::shared_ptr<asio::ssl::context> server(std::vector<std::string> suites) {
  TlsFiles f;
  f.cert_file = data("server.crt");  // an RSA key
  f.key_file = data("server.key");
  f.cipher_suites = std::move(suites);
  auto made = make_server_context(f);
  INFO(made.error);
  REQUIRE(made.context);
  return made.context;
}

// A verifying client; TLS 1.2 only with `openssl_ciphers` when that is non-empty.
std::shared_ptr<asio::ssl::context> client(const char* openssl_ciphers = "") {
  TlsFiles f;
  f.trusted_ca_file = data("ca.crt");
  auto made = make_client_context(f);
  REQUIRE(made.context);
  if (*openssl_ciphers) {
    SSL_CTX_set_max_proto_version(made.context->native_handle(), TLS1_2_VERSION);
    REQUIRE(SSL_CTX_set_cipher_list(made.context->native_handle(), openssl_ciphers) == 1);
  }
  return made.context;
}

}  // namespace

TEST_CASE("cipher suite names are etcd's", "[tls][ciphers]") {
  CHECK(check_cipher_suites({}).empty());
  CHECK(check_cipher_suites({"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_AES_128_GCM_SHA256",
                             "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305"})
            .empty());
  CHECK(check_cipher_suites({"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_FOO"}) ==
        "unexpected TLS cipher suite \"TLS_FOO\"");
  // Case matters, and OpenSSL's own names are not etcd's.
  CHECK_FALSE(check_cipher_suites({"tls_ecdhe_rsa_with_aes_128_gcm_sha256"}).empty());
  CHECK_FALSE(check_cipher_suites({"ECDHE-RSA-AES128-GCM-SHA256"}).empty());
  CHECK_FALSE(check_cipher_suites({"TLS_RSA_WITH_AES_256_CBC_SHA256"}).empty());  // not in Go
}

TEST_CASE("each name maps to the OpenSSL suite of that standard name", "[tls][ciphers]") {
  const std::vector<std::string> names = {"TLS_RSA_WITH_AES_128_CBC_SHA",
                                          "TLS_RSA_WITH_AES_256_GCM_SHA384",
                                          "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",
                                          "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
                                          "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305",
                                          "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA"};
  for (const auto& name : names) {
    std::string openssl = openssl_cipher_list({name});
    INFO(name << " -> " << openssl);
    SSL_CTX* ctx = SSL_CTX_new(TLS_method());
    REQUIRE(SSL_CTX_set_cipher_list(ctx, openssl.c_str()) == 1);
    STACK_OF(SSL_CIPHER)* list = SSL_CTX_get_ciphers(ctx);
    bool found = false;
    for (int i = 0; i < sk_SSL_CIPHER_num(list); ++i) {
      std::string standard = SSL_CIPHER_standard_name(sk_SSL_CIPHER_value(list, i));
      // Go's older CHACHA20 names lack the "_SHA256" of the standard ones.
      found = found || standard == name || standard == name + "_SHA256";
    }
    CHECK(found);
    SSL_CTX_free(ctx);
  }
  CHECK(openssl_cipher_list({"TLS_AES_128_GCM_SHA256"}).empty());  // TLS 1.3: not listed
  CHECK(openssl_cipher_list({"TLS_RSA_WITH_AES_128_CBC_SHA", "TLS_CHACHA20_POLY1305_SHA256",
                             "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"}) ==
        "AES128-SHA:ECDHE-RSA-AES128-GCM-SHA256");
}

TEST_CASE("TLS 1.2 handshakes use only the listed suites; TLS 1.3 keeps its own",
          "[tls][ciphers]") {
  auto listed = server({"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"});
  CHECK(handshake(*listed, *client("ECDHE-RSA-AES128-GCM-SHA256")).client_ok);
  CHECK_FALSE(handshake(*listed, *client("ECDHE-RSA-AES256-GCM-SHA384")).client_ok);
  CHECK(handshake(*listed, *client()).client_ok);  // TLS 1.3
  // Only TLS 1.3 names: nothing is left for TLS 1.2, as in Go.
  auto only13 = server({"TLS_AES_128_GCM_SHA256"});
  CHECK_FALSE(handshake(*only13, *client("ECDHE-RSA-AES128-GCM-SHA256")).client_ok);
  CHECK(handshake(*only13, *client()).client_ok);
  // Without a list, OpenSSL's defaults serve both.
  auto defaults = server({});
  CHECK(handshake(*defaults, *client("ECDHE-RSA-AES256-GCM-SHA384")).client_ok);
}
