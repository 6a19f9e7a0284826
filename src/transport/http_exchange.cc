#include "transport/http_exchange.h"

#include <strings.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include "http/as_tuple_awaitable.h"
#include "transport/peer_stream.h"
#include "util/host_port.h"

namespace larch::transport {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

namespace {

using http::kTuple;
using Clock = std::chrono::steady_clock;

struct Exchange {
  bool done = false;
  HttpAnswer answer;
};

std::string io_error(const char* step, const boost::system::error_code& ec) {
  if (ec == beast::error::timeout) return "timed out";
  return std::string(step) + ": " + ec.message();
}

// `absolute`: the target as a full URL (a request to an HTTP proxy).
bhttp::request<bhttp::string_body> make_request(const HttpRequest& r, bool absolute) {
  std::string target = absolute ? "http://" + util::host_port(r.host, r.port) + r.target : r.target;
  bhttp::request<bhttp::string_body> req{bhttp::string_to_verb(r.method), target, 11};
  req.set(bhttp::field::host, util::host_port(r.host, r.port));
  if (!r.accept.empty()) req.set(bhttp::field::accept, r.accept);
  if (!r.body.empty()) {
    req.set(bhttp::field::content_type, r.content_type);
    req.body() = r.body;
  }
  req.keep_alive(false);
  req.prepare_payload();
  return req;
}

// CONNECT host:port through the proxy `stream` is connected to; empty once the tunnel is
// open (the TLS handshake with the real server follows on the same socket).
asio::awaitable<std::string> open_tunnel(PeerStream& stream, const HttpRequest& r) {
  std::string target = util::host_port(r.host, r.port);
  bhttp::request<bhttp::empty_body> req{bhttp::verb::connect, target, 11};
  req.set(bhttp::field::host, target);
  auto [wec, wn] = co_await bhttp::async_write(stream.tcp(), req, kTuple);
  if (wec) co_return io_error("proxy CONNECT", wec);
  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::empty_body> parser;
  parser.skip(true);  // a CONNECT answer has no body: the tunnel follows
  auto [rec, rn] = co_await bhttp::async_read_header(stream.tcp(), buffer, parser, kTuple);
  if (rec) co_return io_error("proxy CONNECT", rec);
  if (parser.get().result_int() != 200) {
    co_return "proxy CONNECT: " + std::to_string(parser.get().result_int()) + " " +
        std::string(parser.get().reason());
  }
  if (buffer.size() != 0) co_return "proxy CONNECT: unexpected bytes after the answer";
  co_return std::string();
}

// Fills out.answer and sets out.done (unless the io_context is torn down first); every step
// ends by `deadline`.
asio::awaitable<void> exchange(HttpRequest request, asio::ssl::context* tls_context,
                               Clock::time_point deadline, Exchange& out) {
  HttpAnswer& a = out.answer;
  auto executor = co_await asio::this_coro::executor;
  bool proxied = request.proxy_port != 0;
  asio::ip::tcp::resolver resolver(executor);
  auto [rec, endpoints] = co_await resolver.async_resolve(
      proxied ? request.proxy_host : request.host,
      std::to_string(proxied ? request.proxy_port : request.port), kTuple);
  if (rec) {
    a.error = io_error("resolve", rec);
    out.done = true;
    co_return;
  }
  PeerStream stream(executor, tls_context);
  stream.tcp().expires_at(deadline);
  auto [cec, ep] = co_await stream.tcp().async_connect(endpoints, kTuple);
  if (cec) a.error = io_error("connect", cec);
  if (!cec && proxied && stream.tls()) a.error = co_await open_tunnel(stream, request);
  if (a.error.empty() && stream.tls()) a.error = co_await stream.client_handshake(request.host);
  if (!a.error.empty()) {
    out.done = true;
    co_return;
  }
  auto req = make_request(request, proxied && !stream.tls());
  auto [wec, wn] =
      co_await stream.with([&](auto& s) { return bhttp::async_write(s, req, kTuple); });
  if (wec) {
    a.error = io_error("send", wec);
    out.done = true;
    co_return;
  }
  beast::flat_buffer buffer;
  bhttp::response<bhttp::string_body> res;
  auto [rdec, rn] =
      co_await stream.with([&](auto& s) { return bhttp::async_read(s, buffer, res, kTuple); });
  if (rdec) {
    a.error = io_error("receive", rdec);
  } else {
    a.status = res.result_int();
    for (const auto& f : res) a.headers.emplace_back(f.name_string(), f.value());
    a.body = std::move(res.body());
  }
  out.done = true;
}

}  // namespace

std::string HttpAnswer::header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (n.size() == name.size() && strncasecmp(n.data(), name.data(), n.size()) == 0) return v;
  }
  return {};
}

HttpAnswer http_exchange(const HttpRequest& request, std::chrono::milliseconds timeout,
                         asio::ssl::context* tls_context) {
  Exchange ex;  // outlives ioc: a coroutine still pending at the deadline refers to it
  {
    asio::io_context ioc(1);
    auto deadline = Clock::now() + timeout;
    asio::co_spawn(ioc, exchange(request, tls_context, deadline, ex), asio::detached);
    ioc.run_until(deadline);
    // Pending operations, if any, are abandoned (and their socket closed) with ioc.
  }
  if (!ex.done || ex.answer.error == "timed out") {
    HttpAnswer timed_out;
    timed_out.error = "timed out after " + std::to_string(timeout.count()) + " ms";
    return timed_out;
  }
  return std::move(ex.answer);
}

}  // namespace larch::transport
