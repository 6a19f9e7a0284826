#include "proxy/upstream_connection.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cctype>

#include "http/as_tuple_awaitable.h"

namespace larch::proxy {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using asio::ip::tcp;
using http::kTuple;

namespace {

std::string go_reason(const boost::system::error_code& ec) {
  std::string why = ec == beast::error::timeout ? "i/o timeout" : ec.message();
  if (!why.empty()) why[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(why[0])));
  return why;
}

}  // namespace

UpstreamConnection::UpstreamConnection(asio::any_io_executor ex, config::Url url,
                                       asio::ssl::context* tls)
    : url_(std::move(url)),
      missing_tls_(url_.tls() && !tls),
      stream_(ex, url_.tls() ? tls : nullptr) {}

asio::awaitable<std::string> UpstreamConnection::connect(std::chrono::milliseconds timeout) {
  if (missing_tls_) co_return "no TLS client context for " + url_.text;
  tcp::resolver resolver(tcp().get_executor());
  auto [rec, results] =
      co_await resolver.async_resolve(url_.host, std::to_string(url_.port), kTuple);
  if (rec) co_return "dial tcp " + url_.authority() + ": " + go_reason(rec);
  if (timeout.count() > 0) tcp().expires_after(timeout);
  auto [ec, ep] = co_await tcp().async_connect(results, kTuple);
  std::string err;
  if (ec) err = "dial tcp " + url_.authority() + ": connect: " + go_reason(ec);
  boost::system::error_code ignored;
  if (!ec) tcp().socket().set_option(tcp::no_delay(true), ignored);
  if (!ec && stream_.tls()) err = co_await stream_.client_handshake(url_.host);
  tcp().expires_never();
  co_return err;
}

asio::awaitable<boost::system::error_code> UpstreamConnection::write(UpstreamRequest& req) {
  auto [ec, n] =
      co_await stream_.with([&req](auto& s) { return bhttp::async_write(s, req, kTuple); });
  co_return ec;
}

asio::awaitable<boost::system::error_code> UpstreamConnection::read_header(ResponseParser& p) {
  auto [ec, n] = co_await stream_.with(
      [this, &p](auto& s) { return bhttp::async_read_header(s, buffer_, p, kTuple); });
  co_return ec;
}

asio::awaitable<boost::system::error_code> UpstreamConnection::read_some(ResponseParser& p) {
  auto [ec, n] = co_await stream_.with(
      [this, &p](auto& s) { return bhttp::async_read_some(s, buffer_, p, kTuple); });
  co_return ec;
}

void UpstreamConnection::close() {
  boost::system::error_code ignored;
  tcp().socket().shutdown(tcp::socket::shutdown_both, ignored);
  tcp().close();
}

}  // namespace larch::proxy
