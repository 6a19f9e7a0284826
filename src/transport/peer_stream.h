#pragma once
// The stream of an outgoing peer connection: plain TCP for an http peer URL, TLS over TCP
// for an https one. Either way the lowest layer (tcp()) is a Beast tcp_stream: connect,
// timeouts, cancel and close go there; reads and writes go through with(), which hands the
// operation the stream itself, so a plain connection runs exactly the code it would without
// this wrapper (one switch on the alternative per operation).
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <string>
#include <utility>
#include <variant>

#include "tls/tls_stream.h"

namespace larch::transport {

class PeerStream {
 public:
  // TLS with `tls` (which must outlive the stream), plain when it is null.
  PeerStream(const boost::asio::any_io_executor& executor, boost::asio::ssl::context* tls)
      : stream_(make(executor, tls)) {}

  boost::beast::tcp_stream& tcp() {
    return std::visit(
        [](auto& s) -> boost::beast::tcp_stream& { return boost::beast::get_lowest_layer(s); },
        stream_);
  }
  // Null for a plain connection.
  tls::TlsStream* tls() { return std::get_if<1>(&stream_); }

  // A TLS connection, once connected: the client side of the handshake, checking the
  // server's certificate for `host` (tls::prepare_client), within the expiry the caller set
  // on tcp(). Empty on success, else why not ("TLS setup for host ... failed", "TLS
  // handshake: ...").
  boost::asio::awaitable<std::string> client_handshake(const std::string& host);

  // Calls op(stream) with the actual stream (beast::tcp_stream& or tls::TlsStream&); op
  // must return the same type for both, e.g. the awaitable of an HTTP read or write.
  template <typename Op>
  decltype(auto) with(Op&& op) {
    return std::visit(std::forward<Op>(op), stream_);
  }

 private:
  using Variant = std::variant<boost::beast::tcp_stream, tls::TlsStream>;

  static Variant make(const boost::asio::any_io_executor& executor,
                      boost::asio::ssl::context* tls) {
    if (tls) return Variant(std::in_place_index<1>, executor, *tls);
    return Variant(std::in_place_index<0>, executor);
  }

  Variant stream_;
};

}  // namespace larch::transport
