#pragma once
// The stream type of a TLS connection: OpenSSL over Beast's tcp_stream (whose timers bound
// the handshake and every read and write, as for plain connections).
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

namespace larch::tls {

using TlsStream = boost::beast::ssl_stream<boost::beast::tcp_stream>;

}  // namespace larch::tls
