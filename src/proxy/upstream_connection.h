#pragma once
// One keep-alive HTTP connection from the proxy to a member's client URL — plain, or TLS for
// an https URL — with the read buffer that belongs to it (bytes of the next response may
// follow a response's end).
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <string>

#include "config/url.h"
#include "transport/peer_stream.h"

namespace larch::proxy {

using UpstreamRequest = boost::beast::http::request<boost::beast::http::string_body>;
using ResponseParser = boost::beast::http::response_parser<boost::beast::http::buffer_body>;

class UpstreamConnection {
 public:
  // `tls`: the client context for an https URL (null: https URLs fail to connect).
  UpstreamConnection(boost::asio::any_io_executor ex, config::Url url,
                     boost::asio::ssl::context* tls);

  // Resolves, connects and (https) shakes hands, within `timeout` (zero: no bound). Empty on
  // success, else why not, in Go's words where they differ ("dial tcp ...: connect: ...").
  boost::asio::awaitable<std::string> connect(std::chrono::milliseconds timeout);

  // The request, the next response's header, the next piece of its body (Beast's semantics;
  // need_buffer when the parser's body buffer is full).
  boost::asio::awaitable<boost::system::error_code> write(UpstreamRequest& req);
  boost::asio::awaitable<boost::system::error_code> read_header(ResponseParser& p);
  boost::asio::awaitable<boost::system::error_code> read_some(ResponseParser& p);

  // Bytes read past the last parsed piece (the rest of a response that came with its header).
  size_t buffered() const { return buffer_.size(); }
  const config::Url& url() const { return url_; }
  // The TCP layer: timeouts (expires_after/never) and cancel() apply to both kinds.
  boost::beast::tcp_stream& tcp() { return stream_.tcp(); }
  void close();

 private:
  config::Url url_;
  bool missing_tls_;              // an https URL without a TLS client context
  transport::PeerStream stream_;  // plain, or TLS for an https URL
  boost::beast::flat_buffer buffer_;
};

}  // namespace larch::proxy
