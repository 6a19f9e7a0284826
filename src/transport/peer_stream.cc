#include "transport/peer_stream.h"

#include <boost/asio/use_awaitable.hpp>

#include "http/as_tuple_awaitable.h"
#include "tls/client_setup.h"

namespace larch::transport {

boost::asio::awaitable<std::string> PeerStream::client_handshake(const std::string& host) {
  tls::TlsStream& stream = *tls();
  if (!tls::prepare_client(stream, host)) co_return "TLS setup for host " + host + " failed";
  auto [ec] = co_await stream.async_handshake(boost::asio::ssl::stream_base::client, http::kTuple);
  if (ec) co_return "TLS handshake: " + ec.message();
  co_return std::string();
}

}  // namespace larch::transport
