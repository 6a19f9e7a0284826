#include "transport/peer_connect.h"

#include <boost/asio/ip/tcp.hpp>

#include "http/as_tuple_awaitable.h"

namespace larch::transport {

namespace asio = boost::asio;
using http::kTuple;

asio::awaitable<std::string> connect_peer(PeerStream& stream, const PeerEndpoint& to,
                                          std::chrono::milliseconds timeout, const bool& stopped) {
  if (to.tls && !stream.tls()) co_return "https peer URL, but no TLS client context";
  asio::ip::tcp::resolver resolver(stream.tcp().get_executor());
  auto [rec, results] = co_await resolver.async_resolve(to.host, std::to_string(to.port), kTuple);
  if (rec) co_return "resolve: " + rec.message();
  if (stopped) co_return "stopped";
  stream.tcp().expires_after(timeout);
  auto [cec, ep] = co_await stream.tcp().async_connect(results, kTuple);
  if (cec) co_return "connect: " + cec.message();
  if (stopped) co_return "stopped";
  boost::system::error_code ignored;  // Nagle off is an optimisation, not a requirement
  stream.tcp().socket().set_option(asio::ip::tcp::no_delay(true), ignored);
  if (!to.tls) co_return std::string();
  stream.tcp().expires_after(timeout);
  std::string error = co_await stream.client_handshake(to.host);
  if (error.empty() && stopped) co_return "stopped";
  co_return error;
}

}  // namespace larch::transport
