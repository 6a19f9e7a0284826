#pragma once
// TLS contexts for the tests, from the fixture certificates in tests/transport/data (see
// its README): a CA, a peer certificate it signed for 127.0.0.1 and localhost (usable as
// server and client certificate), one it signed for another name only, and an unrelated CA.
#include <boost/asio/ssl/context.hpp>
#include <catch2/catch.hpp>
#include <memory>
#include <string>

#include "tls/tls_context.h"

namespace larch::transport::testing {

// A fixture file's path (found next to this header, whose path the compiler knows).
inline std::string tls_data(const std::string& name) {
  std::string here = __FILE__;
  return here.substr(0, here.rfind('/') + 1) + "data/" + name;
}

using SslContext = std::shared_ptr<boost::asio::ssl::context>;

// A peer listener's context presenting `cert` (peer or misnamed); with client_cert_auth it
// requires a client certificate that ca.crt verifies.
inline SslContext server_context(bool client_cert_auth, const std::string& cert = "peer") {
  tls::TlsFiles files;
  files.cert_file = tls_data(cert + ".crt");
  files.key_file = tls_data(cert + ".key");
  // A trusted CA file alone already requires client certificates (etcd 3.4).
  if (client_cert_auth) files.trusted_ca_file = tls_data("ca.crt");
  files.client_cert_auth = client_cert_auth;
  auto made = tls::make_server_context(files);
  INFO(made.error);
  REQUIRE(made.context);
  return made.context;
}

// A sender's context trusting `ca` (a file in data/); presents the peer certificate when
// `with_identity`.
inline SslContext client_context(bool with_identity, const std::string& ca = "ca.crt") {
  tls::TlsFiles files;
  if (with_identity) {
    files.cert_file = tls_data("peer.crt");
    files.key_file = tls_data("peer.key");
  }
  files.trusted_ca_file = tls_data(ca);
  auto made = tls::make_client_context(files);
  INFO(made.error);
  REQUIRE(made.context);
  return made.context;
}

}  // namespace larch::transport::testing
