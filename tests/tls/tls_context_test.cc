// make_server_context / make_client_context, prepare_client and verified_common_name, with
// real handshakes on 127.0.0.1 against the certificates in tests/tls/data.
#include "tls/tls_context.h"

#include <catch2/catch.hpp>

#include "handshake.h"
#include "tls_data.h"

namespace asio = boost::asio;
using namespace larch::tls;
using larch::tls::testing::handshake;
using larch::tls::testing::Outcome;

namespace {

using larch::tls::testing::data;

// With client_cert_auth, the trusted CA too.
TlsFiles server_files(bool client_cert_auth = false) {
  TlsFiles f;
  f.cert_file = data("server.crt");
  f.key_file = data("server.key");
  if (client_cert_auth) f.trusted_ca_file = data("ca.crt");
  f.client_cert_auth = client_cert_auth;
  return f;
}

TlsFiles client_files(const std::string& who = "") {
  TlsFiles f;
  f.trusted_ca_file = data("ca.crt");
  if (!who.empty()) {
    f.cert_file = data(who + ".crt");
    f.key_file = data(who + ".key");
  }
  return f;
}

std::shared_ptr<asio::ssl::context> build(const TlsContext& c) {
  INFO(c.error);
  REQUIRE(c.context);
  CHECK(c.error.empty());
  return c.context;
}

}  // namespace

TEST_CASE("a server context and a verifying client shake hands", "[tls]") {
  auto server = build(make_server_context(server_files()));
  auto client = build(make_client_context(client_files()));
  Outcome o = handshake(*server, *client);
  CHECK(o.server_ok);
  CHECK(o.client_ok);
  CHECK(o.cn.empty());  // no client certificate was asked for
  // "localhost" is in the certificate's SAN too.
  CHECK(handshake(*server, *client, "localhost").client_ok);
}

TEST_CASE("the client checks the server's name and CA", "[tls]") {
  auto server = build(make_server_context(server_files()));
  auto client = build(make_client_context(client_files()));
  CHECK_FALSE(handshake(*server, *client, "127.0.0.2").client_ok);      // IP not in the SAN
  CHECK_FALSE(handshake(*server, *client, "other.example").client_ok);  // name not in it
  TlsFiles untrusting;
  untrusting.trusted_ca_file = data("mallory.crt");  // a CA file without the test CA
  auto stranger = build(make_client_context(untrusting));
  CHECK_FALSE(handshake(*server, *stranger, "127.0.0.1").client_ok);
}

TEST_CASE("client-cert-auth: a certificate from the trusted CA is required", "[tls]") {
  auto server = build(make_server_context(server_files(true)));
  auto alice = build(make_client_context(client_files("alice")));
  Outcome o = handshake(*server, *alice);
  CHECK(o.server_ok);
  CHECK(o.client_ok);
  CHECK(o.cn == "alice");
  auto anonymous = build(make_client_context(client_files()));
  CHECK_FALSE(handshake(*server, *anonymous).server_ok);
  auto mallory = build(make_client_context(client_files("mallory")));  // CN alice, other CA
  Outcome m = handshake(*server, *mallory);
  CHECK_FALSE(m.server_ok);
  CHECK(m.cn.empty());
}

TEST_CASE("a trusted CA file alone requires client certificates too (etcd 3.4)", "[tls]") {
  TlsFiles files = server_files(true);
  files.client_cert_auth = false;
  CHECK(files.requires_client_cert());
  auto server = build(make_server_context(files));
  auto anonymous = build(make_client_context(client_files()));
  CHECK_FALSE(handshake(*server, *anonymous).server_ok);
  auto alice = build(make_client_context(client_files("alice")));
  CHECK(handshake(*server, *alice).cn == "alice");
}

TEST_CASE("allowed_cn restricts client certificates to one Common Name", "[tls]") {
  TlsFiles files = server_files(true);
  files.allowed_cn = "bob";
  auto only_bob = build(make_server_context(files));
  auto alice = build(make_client_context(client_files("alice")));
  CHECK_FALSE(handshake(*only_bob, *alice).server_ok);
  files.allowed_cn = "alice";
  auto only_alice = build(make_server_context(files));
  CHECK(handshake(*only_alice, *alice).server_ok);
}

TEST_CASE("context errors name the file, in etcd's words where etcd has them", "[tls]") {
  TlsFiles f = server_files();
  f.cert_file = data("missing.crt");
  CHECK(make_server_context(f).error == "open " + f.cert_file + ": no such file or directory");
  CHECK_FALSE(make_server_context(f).context);
  f = server_files();
  f.key_file = data("alice.key");
  CHECK(make_server_context(f).error == "tls: private key does not match public key");
  f = server_files();
  f.cert_file = data("README.md");  // not PEM
  CHECK_THAT(make_server_context(f).error,
             Catch::StartsWith("tls: cannot load certificate " + f.cert_file + ": "));
  f = server_files(true);
  f.trusted_ca_file = data("nope.crt");
  CHECK_THAT(make_server_context(f).error, Catch::StartsWith("open " + f.trusted_ca_file));
  TlsFiles none;
  CHECK_FALSE(make_server_context(none).error.empty());
  // A client context without any file trusts the system's CAs; that always builds.
  CHECK(make_client_context(none).context);
}
