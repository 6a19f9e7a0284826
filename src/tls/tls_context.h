#pragma once
// Builds the OpenSSL contexts Larch's TLS listeners and peer connections use, from etcd's
// TLS flags. Errors are values: one line naming the file and OpenSSL's reason, so a bad
// certificate stops the member at startup, before anything is served.
//
// Both sides speak TLS 1.2 or 1.3 only and never renegotiate. The server offers no ALPN
// protocol, so clients that offer h2 (etcdctl, Go) fall back to HTTP/1.1, which is all
// Larch serves.
#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <string>

#include "tls/tls_files.h"

namespace larch::tls {

struct TlsContext {
  std::shared_ptr<boost::asio::ssl::context> context;  // null on error
  std::string error;
};

// For a listener: presents cert_file/key_file; when requires_client_cert(), the handshake
// fails unless the client presents a certificate that trusted_ca_file (the system's CAs
// when empty) verifies (etcd's RequireAndVerifyClientCert); with allowed_cn, the certificate's
// Common Name must also equal it (--peer-cert-allowed-cn); with allowed_hostname, it must be
// valid for that host; with crl_file, no certificate of its chain may be revoked (the file
// must be readable now: RevocationList). Needs has_identity(). A CRL or an allowed name only
// applies where client certificates are required, as in etcd, where nothing else asks for one.
TlsContext make_server_context(const TlsFiles& files);

// For connecting to peers: verifies the server's certificate against trusted_ca_file (the
// system's CAs when empty) and presents cert_file/key_file when given (the peer listener
// may require it). Host names are checked per connection (see prepare_client). With
// skip_verify, neither the CAs nor the server's certificate are looked at. Both kinds of
// context offer only cipher_suites for TLS 1.2 when it is given.
TlsContext make_client_context(const TlsFiles& files);

}  // namespace larch::tls
