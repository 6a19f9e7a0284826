#include "http/listener.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "http/as_tuple_awaitable.h"

namespace larch::http {

namespace asio = boost::asio;
using asio::ip::tcp;

std::string open_acceptor(tcp::acceptor& acceptor, const std::string& host, uint16_t port) {
  boost::system::error_code ec;
  std::string h = host == "localhost" ? "127.0.0.1" : host;
  auto addr = asio::ip::make_address(h, ec);
  if (ec) return "invalid listen address " + host;
  tcp::endpoint ep(addr, port);
  acceptor.open(ep.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(ep, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return "listen tcp " + h + ":" + std::to_string(port) + ": " + ec.message();
  return {};
}

asio::awaitable<void> accept_loop(tcp::acceptor& acceptor, std::vector<asio::io_context*> contexts,
                                  RequestHandler& handler, SessionLimits limits) {
  co_await accept_loop(acceptor, std::move(contexts), [&handler, limits](tcp::socket socket) {
    return run_client_session(std::move(socket), handler, limits);
  });
}

asio::awaitable<void> accept_loop(tcp::acceptor& acceptor, std::vector<asio::io_context*> contexts,
                                  SessionRunner run) {
  size_t next = 0;
  asio::steady_timer backoff(acceptor.get_executor());
  for (;;) {
    asio::io_context& target = *contexts[next++ % contexts.size()];
    auto [ec, socket] = co_await acceptor.async_accept(target, kTuple);
    if (ec) {
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
      // e.g. EMFILE: keep serving existing connections, retry shortly.
      backoff.expires_after(std::chrono::milliseconds(50));
      co_await backoff.async_wait(kTuple);
      continue;
    }
    socket.set_option(tcp::no_delay(true), ec);
    asio::co_spawn(target, run(std::move(socket)), asio::detached);
  }
}

}  // namespace larch::http
