#pragma once
// One keep-alive HTTP connection from the proxy to a member's client URL, with the read
// buffer that belongs to it (bytes of the next response may follow a response's end). Plain
// http only: an https endpoint fails to connect with a reason saying so.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <chrono>
#include <string>

#include "config/url.h"

namespace larch::proxy {

class UpstreamConnection {
 public:
  UpstreamConnection(boost::asio::any_io_executor ex, config::Url url);

  // Resolves and connects within `timeout` (zero: no bound). Empty on success, else why not.
  boost::asio::awaitable<std::string> connect(std::chrono::milliseconds timeout);

  const config::Url& url() const { return url_; }
  boost::beast::tcp_stream& stream() { return stream_; }
  boost::beast::flat_buffer& buffer() { return buffer_; }
  void close();

 private:
  config::Url url_;
  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
};

}  // namespace larch::proxy
