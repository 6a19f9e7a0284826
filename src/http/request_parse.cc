#include "http/request_parse.h"

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>

#include "http/sized_read.h"
#include "util/v2_error.h"

namespace larch::http {

namespace bhttp = boost::beast::http;

// Both kinds of stream, each its own coroutine (a shared inner coroutine would cost every
// request another frame).
boost::asio::awaitable<boost::system::error_code> read_request(boost::beast::tcp_stream& stream,
                                                               boost::beast::flat_buffer& buffer,
                                                               RequestParser& parser,
                                                               const SessionLimits& limits) {
  parser.header_limit(limits.max_header_bytes);
  parser.body_limit(limits.max_body_bytes);
  stream.expires_after(limits.idle_timeout);
  co_return co_await read_sized(stream, buffer, parser);
}

boost::asio::awaitable<boost::system::error_code> read_request(tls::TlsStream& stream,
                                                               boost::beast::flat_buffer& buffer,
                                                               RequestParser& parser,
                                                               const SessionLimits& limits) {
  parser.header_limit(limits.max_header_bytes);
  parser.body_limit(limits.max_body_bytes);
  boost::beast::get_lowest_layer(stream).expires_after(limits.idle_timeout);
  co_return co_await read_sized(stream, buffer, parser);
}

Request to_request(bhttp::request<bhttp::string_body>& msg) {
  Request r;
  r.method = msg.method_string();
  r.target = msg.target();
  r.content_type = msg[bhttp::field::content_type];
  r.origin = msg[bhttp::field::origin];
  r.host = msg[bhttp::field::host];
  // An empty Authorization header counts as none (Go's BasicAuth finds no credentials).
  if (auto it = msg.find(bhttp::field::authorization); it != msg.end() && !it->value().empty()) {
    r.authorization = it->value();
  }
  r.body = std::move(msg.body());
  return r;
}

Response parse_failure(const boost::system::error_code& ec) {
  if (ec == bhttp::error::body_limit) {
    Response r;
    r.status = 400;
    r.body = util::v2_error_body(util::ecode::kInvalidForm, "http: POST too large", 0);
    r.close = true;
    return r;
  }
  if (ec == bhttp::error::header_limit) {
    Response r = text_response(431, "431 Request Header Fields Too Large\n");
    r.close = true;
    return r;
  }
  Response r = text_response(400, "400 Bad Request\n");
  r.close = true;
  return r;
}

bool is_quiet_end(const boost::system::error_code& ec) {
  namespace asio = boost::asio;
  return ec == bhttp::error::end_of_stream || ec == boost::beast::error::timeout ||
         ec == asio::error::connection_reset || ec == asio::error::eof ||
         ec == asio::error::operation_aborted ||
         ec == asio::ssl::error::stream_truncated;  // a TLS client closed without close_notify
}

}  // namespace larch::http
