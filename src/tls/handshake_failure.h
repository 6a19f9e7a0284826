#pragma once
// The log line of a refused TLS connection, in etcd's words: `rejected connection from
// "127.0.0.1:5300" (error "...")`. An operator sees why a client or a member cannot connect
// (no certificate, an untrusted or revoked one, plain HTTP on a TLS port).
#include <boost/system/error_code.hpp>
#include <string>

#include "tls/tls_stream.h"

namespace larch::tls {

// `stream` is the connection whose server-side handshake failed with `ec`; its verify result
// names a certificate problem when there was one.
std::string handshake_failure(TlsStream& stream, const boost::system::error_code& ec);

}  // namespace larch::tls
