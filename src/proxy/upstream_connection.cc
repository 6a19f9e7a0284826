#include "proxy/upstream_connection.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cctype>

#include "tls/client_setup.h"

namespace larch::proxy {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using asio::ip::tcp;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

namespace {

std::string go_reason(const boost::system::error_code& ec) {
  std::string why = ec == beast::error::timeout ? "i/o timeout" : ec.message();
  if (!why.empty()) why[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(why[0])));
  return why;
}

}  // namespace

UpstreamConnection::UpstreamConnection(asio::any_io_executor ex, config::Url url,
                                       asio::ssl::context* tls)
    : url_(std::move(url)), tls_context_(tls), stream_(std::in_place_index<0>, ex) {
  if (url_.tls() && tls_context_) {
    stream_.emplace<1>(beast::tcp_stream(std::move(ex)), *tls_context_);
  }
}

beast::tcp_stream& UpstreamConnection::tcp() {
  return std::visit([](auto& s) -> beast::tcp_stream& { return beast::get_lowest_layer(s); },
                    stream_);
}

asio::awaitable<std::string> UpstreamConnection::connect(std::chrono::milliseconds timeout) {
  if (url_.tls() && !tls_context_) co_return "no TLS client context for " + url_.text;
  tcp::resolver resolver(tcp().get_executor());
  auto [rec, results] =
      co_await resolver.async_resolve(url_.host, std::to_string(url_.port), kTuple);
  if (rec) co_return "dial tcp " + url_.authority() + ": " + go_reason(rec);
  if (timeout.count() > 0) tcp().expires_after(timeout);
  auto [ec, ep] = co_await tcp().async_connect(results, kTuple);
  if (ec) {
    tcp().expires_never();
    co_return "dial tcp " + url_.authority() + ": connect: " + go_reason(ec);
  }
  boost::system::error_code ignored;
  tcp().socket().set_option(tcp::no_delay(true), ignored);
  if (auto* s = std::get_if<tls::TlsStream>(&stream_)) {
    if (!tls::prepare_client(*s, url_.host)) {
      tcp().expires_never();
      co_return "tls: cannot set up the connection to " + url_.host;
    }
    auto [hec] = co_await s->async_handshake(asio::ssl::stream_base::client, kTuple);
    if (hec) {
      tcp().expires_never();
      co_return "tls: " + go_reason(hec);
    }
  }
  tcp().expires_never();
  co_return std::string();
}

// Runs `op` (an awaitable Beast operation taking the stream) on whichever stream this is.
template <typename Op>
asio::awaitable<boost::system::error_code> UpstreamConnection::on_stream(Op op) {
  if (auto* s = std::get_if<tls::TlsStream>(&stream_)) {
    auto [ec, n] = co_await op(*s);
    co_return ec;
  }
  auto [ec, n] = co_await op(std::get<0>(stream_));
  co_return ec;
}

asio::awaitable<boost::system::error_code> UpstreamConnection::write(UpstreamRequest& req) {
  co_return co_await on_stream([&req](auto& s) { return bhttp::async_write(s, req, kTuple); });
}

asio::awaitable<boost::system::error_code> UpstreamConnection::read_header(ResponseParser& p) {
  co_return co_await on_stream(
      [this, &p](auto& s) { return bhttp::async_read_header(s, buffer_, p, kTuple); });
}

asio::awaitable<boost::system::error_code> UpstreamConnection::read_some(ResponseParser& p) {
  co_return co_await on_stream(
      [this, &p](auto& s) { return bhttp::async_read_some(s, buffer_, p, kTuple); });
}

void UpstreamConnection::close() {
  boost::system::error_code ignored;
  tcp().socket().shutdown(tcp::socket::shutdown_both, ignored);
  tcp().close();
}

}  // namespace larch::proxy
