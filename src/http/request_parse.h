#pragma once
// What every connection type (client port, peer port) does the same between Beast's parser
// and the handlers: reading a request under the connection's limits, turning the parsed
// message into a Request (views into the message, whose body is moved out), and answering
// a request the parser rejected.
#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/system/error_code.hpp>

#include "http/client_session.h"
#include "http/request_handler.h"
#include "http/response.h"
#include "tls/tls_stream.h"

namespace larch::http {

using RequestParser = boost::beast::http::request_parser<boost::beast::http::string_body>;

// Reads the next request into `parser` under a connection's limits: header and body size,
// and `limits.idle_timeout` for the whole request to arrive (sets the stream's expiry).
boost::asio::awaitable<boost::system::error_code> read_request(boost::beast::tcp_stream& stream,
                                                               boost::beast::flat_buffer& buffer,
                                                               RequestParser& parser,
                                                               const SessionLimits& limits);
// The same on a TLS connection.
boost::asio::awaitable<boost::system::error_code> read_request(tls::TlsStream& stream,
                                                               boost::beast::flat_buffer& buffer,
                                                               RequestParser& parser,
                                                               const SessionLimits& limits);

// The views stay valid while `msg` lives; the body is moved out of it.
Request to_request(boost::beast::http::request<boost::beast::http::string_body>& msg);

// 400 (with etcd's "POST too large" error for a body over the limit) or 431; closes.
Response parse_failure(const boost::system::error_code& ec);

// A read that ended because the client went away or the connection timed out, which is
// answered by closing, not by an error response.
bool is_quiet_end(const boost::system::error_code& ec);

}  // namespace larch::http
