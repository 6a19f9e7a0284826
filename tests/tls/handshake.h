#pragma once
// One real TLS handshake between two contexts over loopback TCP, for the tls tests.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <optional>
#include <string>

#include "tls/client_setup.h"
#include "tls/peer_identity.h"
#include "tls/tls_stream.h"

namespace larch::tls::testing {

struct Outcome {
  bool server_ok = false;
  bool client_ok = false;
  std::string cn;  // what the server saw
};

// The client checks `host` (tls::prepare_client) unless its context skips verification.
inline Outcome handshake(boost::asio::ssl::context& server_ctx,
                         boost::asio::ssl::context& client_ctx,
                         const std::string& host = "127.0.0.1") {
  namespace asio = boost::asio;
  namespace beast = boost::beast;
  asio::io_context ioc;
  asio::ip::tcp::acceptor acceptor(ioc, {asio::ip::make_address("127.0.0.1"), 0});
  asio::ip::tcp::socket accepted(ioc);
  std::optional<TlsStream> server;
  TlsStream client(beast::tcp_stream(ioc), client_ctx);
  REQUIRE(prepare_client(client, host));
  Outcome out;
  acceptor.async_accept(accepted, [&](boost::system::error_code ec) {
    REQUIRE_FALSE(ec);
    server.emplace(beast::tcp_stream(std::move(accepted)), server_ctx);
    server->async_handshake(asio::ssl::stream_base::server, [&](boost::system::error_code hec) {
      out.server_ok = !hec;
      out.cn = verified_common_name(server->native_handle());
      // Close, so that a client still waiting (a failed server side) finishes too.
      beast::get_lowest_layer(*server).close();
    });
  });
  beast::get_lowest_layer(client).async_connect(
      acceptor.local_endpoint(), [&](boost::system::error_code ec) {
        REQUIRE_FALSE(ec);
        client.async_handshake(asio::ssl::stream_base::client,
                               [&](boost::system::error_code hec) { out.client_ok = !hec; });
      });
  ioc.run_for(std::chrono::seconds(10));
  return out;
}

}  // namespace larch::tls::testing
