#pragma once
// The log line of a refused TLS connection, in etcd's words: `rejected connection from
// "127.0.0.1:5300" (error "...")`. An operator sees why a client or a member cannot connect
// (no certificate, an untrusted or revoked one, plain HTTP on a TLS port).
#include <boost/system/error_code.hpp>
#include <string>

#include "tls/tls_stream.h"

namespace larch::tls {

// `stream` is the connection whose server-side handshake failed with `ec`: the reason noted
// by note_refusal if any (etcd's text, e.g. the revoked serial number), else its verify
// result when that names a certificate problem, else `ec`.
std::string handshake_failure(TlsStream& stream, const boost::system::error_code& ec);

// Records why a verify callback refused the certificate of connection `ssl`, for
// handshake_failure (kept with the SSL object, freed with it; the first note wins).
void note_refusal(SSL* ssl, const std::string& reason);

}  // namespace larch::tls
