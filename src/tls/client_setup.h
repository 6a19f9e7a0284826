#pragma once
// Per-connection settings of an outgoing TLS connection (to a peer).
#include <string>

#include "tls/tls_stream.h"

namespace larch::tls {

// Sends SNI for a DNS name and checks that the server's certificate is for `host` (a DNS
// name or an IP literal, as in the peer URL). Call before the handshake. False if OpenSSL
// refused the settings. A context that does not verify servers (TlsFiles::skip_verify)
// gets SNI only.
bool prepare_client(TlsStream& stream, const std::string& host);

}  // namespace larch::tls
