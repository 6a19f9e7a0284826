#include "proxy/upstream_connection.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cctype>

namespace larch::proxy {

namespace asio = boost::asio;
using asio::ip::tcp;

UpstreamConnection::UpstreamConnection(asio::any_io_executor ex, config::Url url)
    : url_(std::move(url)), stream_(std::move(ex)) {}

asio::awaitable<std::string> UpstreamConnection::connect(std::chrono::milliseconds timeout) {
  if (url_.tls()) co_return "https endpoints are not supported by larch's proxy";
  constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
  tcp::resolver resolver(stream_.get_executor());
  auto [rec, results] =
      co_await resolver.async_resolve(url_.host, std::to_string(url_.port), kTuple);
  if (rec) co_return "dial tcp " + url_.authority() + ": " + rec.message();
  if (timeout.count() > 0) stream_.expires_after(timeout);
  auto [ec, ep] = co_await stream_.async_connect(results, kTuple);
  stream_.expires_never();
  if (ec) {
    std::string why = ec == boost::beast::error::timeout ? "i/o timeout" : ec.message();
    if (!why.empty()) why[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(why[0])));
    co_return "dial tcp " + url_.authority() + ": connect: " + why;
  }
  boost::system::error_code ignored;
  stream_.socket().set_option(tcp::no_delay(true), ignored);
  co_return std::string();
}

void UpstreamConnection::close() {
  boost::system::error_code ignored;
  stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
  stream_.close();
}

}  // namespace larch::proxy
