#include "proxy/proxy_session.h"

#include <algorithm>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <limits>
#include <memory>
#include <optional>
#include <span>
#include <type_traits>

#include "http/as_tuple_awaitable.h"
#include "http/request_parse.h"
#include "http/response.h"
#include "proxy/proxy_rules.h"
#include "proxy/upstream_connection.h"
#include "tls/handshake_failure.h"
#include "tls/tls_stream.h"
#include "util/host_port.h"

namespace larch::proxy {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using asio::awaitable;
using asio::use_awaitable;
using asio::ip::tcp;
using http::kTuple;

using ClientRequest = bhttp::request<bhttp::string_body>;

constexpr size_t kRelayChunk = 16 * 1024;
// Bytes of a pipelined next request read while a response is relayed; beyond this the proxy
// stops reading from the client until the response is done.
constexpr size_t kMaxPipelined = 64 * 1024;

http::Response error_response(int status, const std::string& what) {
  http::Response r;
  r.status = status;
  r.body = error_body(what);
  return r;
}

std::string_view view(beast::string_view s) {
  return {s.data(), s.size()};
}

// Stream: beast::tcp_stream (an http listener) or tls::TlsStream (https).
template <typename Stream>
class ProxySession {
 public:
  static constexpr bool kTls = std::is_same_v<Stream, tls::TlsStream>;

  ProxySession(tcp::socket socket, ProxyContext& ctx) requires(!kTls)
      : client_(std::move(socket)), ctx_(ctx) {}
  ProxySession(tcp::socket socket, asio::ssl::context& tls, ProxyContext& ctx) requires kTls
      : client_(beast::tcp_stream(std::move(socket)), tls),
        ctx_(ctx) {}

  awaitable<void> run();

 private:
  beast::tcp_stream& lowest() { return beast::get_lowest_layer(client_); }
  awaitable<bool> handshake();
  awaitable<bool> serve(ClientRequest& req);
  awaitable<bool> answer(http::Response r, const ClientRequest* cors_for, bool keep_alive);
  awaitable<bool> forward(ClientRequest& req, bool keep_alive);
  awaitable<bool> guarded_forward(ClientRequest& req, bool keep_alive,
                                  const std::vector<config::Url>& endpoints);
  awaitable<bool> forward_to_members(ClientRequest& req, bool keep_alive,
                                     const std::vector<config::Url>& endpoints);
  awaitable<std::string> exchange(const config::Url& ep, UpstreamRequest& up,
                                  std::optional<ResponseParser>& parser, bool head);
  awaitable<std::string> send_and_read_header(UpstreamRequest& up, ResponseParser& parser);
  awaitable<bool> relay(ResponseParser& p, const ClientRequest& req, bool keep_alive);
  awaitable<bool> write_out();
  awaitable<void> watch_client();
  std::string response_head(const ResponseParser& p, const ClientRequest& req, bool chunked,
                            bool keep_alive);
  UpstreamRequest upstream_request(ClientRequest& req) const;
  http::CorsDecision cors(const ClientRequest& req) const;

  Stream client_;
  ProxyContext& ctx_;
  beast::flat_buffer in_;
  http::DateCache dates_;
  std::string out_;
  std::unique_ptr<UpstreamConnection> up_;  // the last member connection, kept alive
  std::string client_ip_;
  std::string client_addr_;
  int64_t request_start_ns_ = 0;       // when the request being forwarded arrived
  std::unique_ptr<char[]> relay_buf_;  // a member response's body passes through here
};

template <typename Stream>
awaitable<void> ProxySession<Stream>::run() {
  boost::system::error_code ec;
  auto remote = lowest().socket().remote_endpoint(ec);
  if (!ec) {
    client_ip_ = remote.address().to_string();
    client_addr_ = util::host_port(client_ip_, remote.port());
  }
  if constexpr (kTls) {
    bool ok = co_await handshake();  // not in the if's condition: GCC 12 (see client_session)
    if (!ok) co_return;
  }
  for (;;) {
    http::RequestParser parser;
    boost::system::error_code rec =
        co_await http::read_request(client_, in_, parser, ctx_.options.limits);
    lowest().expires_never();
    if (rec) {  // as a member's session: quietly closed, or answered (400, 431) and closed
      if (!http::is_quiet_end(rec)) co_await answer(http::parse_failure(rec), nullptr, false);
      break;
    }
    ClientRequest req = parser.release();
    bool go_on = false;
    try {
      go_on = co_await serve(req);
    } catch (const std::exception& e) {  // a request this code did not foresee: drop it
      ctx_.log(std::string("proxy: closing the connection of ") + client_addr_ + " (" + e.what() +
               ")");
    }
    if (!go_on) break;
  }
  if (up_) up_->close();
  lowest().socket().shutdown(tcp::socket::shutdown_send, ec);
  lowest().close();
}

// The server side of the TLS handshake, bounded by the idle timeout; a failure closes the
// connection without an answer, logged as etcd logs it.
template <typename Stream>
awaitable<bool> ProxySession<Stream>::handshake() {
  lowest().expires_after(ctx_.options.limits.idle_timeout);
  auto [ec] = co_await client_.async_handshake(asio::ssl::stream_base::server, kTuple);
  lowest().expires_never();
  if (ec) ctx_.log(tls::handshake_failure(client_, ec));
  co_return !ec;
}

template <typename Stream>
awaitable<bool> ProxySession<Stream>::serve(ClientRequest& req) {
  bool keep = req.keep_alive();
  std::string_view path = target_path(view(req.target()));
  if (path == "/metrics") {  // outside the readonly and CORS wrappers, as in etcd
    http::Response r;
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    r.body = ctx_.metrics->render();
    r.head = req.method() == bhttp::verb::head;
    co_return co_await answer(std::move(r), nullptr, keep);
  }
  if (ctx_.options.readonly && req.method() != bhttp::verb::get) {
    http::Response r;  // etcd: 501 with an empty body and no CORS headers
    r.status = 501;
    r.content_type = "";
    co_return co_await answer(std::move(r), nullptr, keep);
  }
  if (req.method() == bhttp::verb::options) {  // CORS preflight, answered by the proxy
    http::Response r;
    r.content_type = "";
    co_return co_await answer(std::move(r), &req, keep);
  }
  if (path == "/v2/config/local/proxy") {
    if (req.method() != bhttp::verb::get) {
      co_return co_await answer(http::method_not_allowed("GET"), &req, keep);
    }
    std::vector<std::string> urls;
    for (const auto& u : ctx_.endpoints->available(ctx_.now_ns())) urls.push_back(u.text);
    http::Response r;
    r.content_type = "text/plain; charset=utf-8";  // what Go sniffs for etcd's JSON
    r.body = endpoints_body(urls);
    co_return co_await answer(std::move(r), &req, keep);
  }
  co_return co_await forward(req, keep);
}

template <typename Stream>
awaitable<bool> ProxySession<Stream>::answer(http::Response r, const ClientRequest* cors_for,
                                             bool keep_alive) {
  http::CorsDecision c = cors_for ? cors(*cors_for) : http::CorsDecision{};
  http::serialize_into(out_, r, c, keep_alive, dates_.now());
  bool written = co_await write_out();
  bool go_on = written && keep_alive;
  co_return go_on;
}

template <typename Stream>
awaitable<bool> ProxySession<Stream>::write_out() {
  auto [ec, n] = co_await asio::async_write(client_, asio::buffer(out_), kTuple);
  out_.clear();
  co_return !ec;
}

template <typename Stream>
awaitable<bool> ProxySession<Stream>::forward(ClientRequest& req, bool keep_alive) {
  std::string_view method = view(req.method_string());
  request_start_ns_ = ctx_.now_ns();
  ctx_.metrics->request(method);
  std::vector<config::Url> endpoints = ctx_.endpoints->available(request_start_ns_);
  if (endpoints.empty()) {
    ctx_.log("proxy/httpproxy: zero endpoints currently available");
    ctx_.metrics->dropped(method, "zero_endpoints");
    co_return co_await answer(error_response(503, "zero endpoints currently available"), &req,
                              keep_alive);
  }
  // Only a request that may wait (a watch) watches its client meanwhile: the others end soon
  // anyway, and the watch costs two coroutine frames and a cancelled read per request.
  if (target_query(view(req.target())).find("wait=") == std::string_view::npos) {
    co_return co_await guarded_forward(req, keep_alive, endpoints);
  }
  using namespace asio::experimental::awaitable_operators;
  auto done = co_await (guarded_forward(req, keep_alive, endpoints) || watch_client());
  if (done.index() == 0) co_return std::get<0>(done);
  ctx_.log("proxy/httpproxy: client " + client_addr_ + " closed request prematurely");
  if (up_) {
    up_->close();
    up_.reset();
  }
  co_return false;
}

// forward_to_members, with an exception (a request this code did not foresee) turned into
// the end of the connection: `||` waits for its other side unless this one succeeds.
template <typename Stream>
awaitable<bool> ProxySession<Stream>::guarded_forward(ClientRequest& req, bool keep_alive,
                                                      const std::vector<config::Url>& endpoints) {
  try {
    co_return co_await forward_to_members(req, keep_alive, endpoints);
  } catch (const std::exception& e) {
    ctx_.log(std::string("proxy: closing the connection of ") + client_addr_ + " (" + e.what() +
             ")");
  }
  if (up_) {
    up_->close();
    up_.reset();
  }
  co_return false;
}

// Reads whatever the client sends while its request is being forwarded (a pipelined next
// request stays in `in_`); returns when the client has gone, after cancelling the member
// exchange so that the forwarding side ends too.
template <typename Stream>
awaitable<void> ProxySession<Stream>::watch_client() {
  for (;;) {
    if (in_.size() >= kMaxPipelined) {
      asio::steady_timer never(co_await asio::this_coro::executor,
                               asio::steady_timer::time_point::max());
      co_await never.async_wait(kTuple);
      co_return;
    }
    auto [ec, n] = co_await client_.async_read_some(in_.prepare(4096), kTuple);
    if (ec == asio::error::operation_aborted) co_return;
    if (ec) {
      if (up_) up_->tcp().cancel();  // Beast's operations may not honour the cancellation
      co_return;
    }
    in_.commit(n);
  }
}

template <typename Stream>
awaitable<bool> ProxySession<Stream>::forward_to_members(
    ClientRequest& req, bool keep_alive, const std::vector<config::Url>& endpoints) {
  std::string_view method = view(req.method_string());
  UpstreamRequest up = upstream_request(req);
  bool head = req.method() == bhttp::verb::head;
  std::optional<ResponseParser> parser;
  for (const auto& ep : endpoints) {
    std::string err = co_await exchange(ep, up, parser, head);
    if (err.empty()) co_return co_await relay(*parser, req, keep_alive);
    ctx_.log("proxy/httpproxy: failed to direct request to " + ep.text + ": " + err);
    ctx_.metrics->dropped(method, "failed_sending_request");
    if (ctx_.endpoints->mark_failed(ep.text, ctx_.now_ns())) {
      ctx_.log("proxy/httpproxy: marked endpoint " + ep.text + " unavailable");
    }
  }
  std::string what =
      "unable to get response from " + std::to_string(endpoints.size()) + " endpoint(s)";
  ctx_.log("proxy/httpproxy: " + what);
  ctx_.metrics->dropped(method, "failed_getting_response");
  co_return co_await answer(error_response(502, what), &req, keep_alive);
}

// Sends `up` to `ep` and reads the response's header into a fresh `parser`. A kept-alive
// connection the member has closed meanwhile gets one more try on a new connection.
template <typename Stream>
awaitable<std::string> ProxySession<Stream>::exchange(const config::Url& ep, UpstreamRequest& up,
                                                      std::optional<ResponseParser>& parser,
                                                      bool head) {
  bool reused = up_ && up_->url().text == ep.text;
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (!reused) {
      if (up_) up_->close();
      up_ = std::make_unique<UpstreamConnection>(lowest().get_executor(), ep, ctx_.upstream_tls);
      std::string err = co_await up_->connect(ctx_.options.dial_timeout);
      if (!err.empty()) {
        up_.reset();
        co_return err;
      }
    }
    parser.emplace();
    parser->body_limit(std::numeric_limits<std::uint64_t>::max());
    if (head) parser->skip(true);
    std::string err = co_await send_and_read_header(up, *parser);
    if (err.empty()) co_return err;
    up_->close();
    up_.reset();
    if (!reused) co_return err;
    reused = false;
  }
  co_return "unreachable";
}

template <typename Stream>
awaitable<std::string> ProxySession<Stream>::send_and_read_header(UpstreamRequest& up,
                                                                  ResponseParser& parser) {
  beast::tcp_stream& s = up_->tcp();
  if (up.find(bhttp::field::host) == up.end()) up.set(bhttp::field::host, up_->url().authority());
  if (ctx_.options.write_timeout.count() > 0) s.expires_after(ctx_.options.write_timeout);
  boost::system::error_code wec = co_await up_->write(up);
  s.expires_never();
  if (wec) co_return "write tcp " + up_->url().authority() + ": " + wec.message();
  if (ctx_.options.read_timeout.count() > 0) s.expires_after(ctx_.options.read_timeout);
  boost::system::error_code rec = co_await up_->read_header(parser);
  s.expires_never();
  if (rec) co_return "read tcp " + up_->url().authority() + ": " + rec.message();
  co_return std::string();
}

// Relays the member's response: its header at once (a watch's headers before any event),
// then the body as it arrives, re-framed as chunks when the member sent chunks or no length.
template <typename Stream>
awaitable<bool> ProxySession<Stream>::relay(ResponseParser& p, const ClientRequest& req,
                                            bool keep_alive) {
  ctx_.metrics->handled(view(req.method_string()), p.get().result_int(),
                        std::chrono::nanoseconds(ctx_.now_ns() - request_start_ns_));
  bool head = req.method() == bhttp::verb::head;
  bool until_eof = !p.is_done() && !p.get().chunked() && !p.content_length();
  bool chunked = !head && (p.get().chunked() || until_eof);
  out_ = response_head(p, req, chunked, keep_alive);
  if (!relay_buf_) relay_buf_ = std::make_unique<char[]>(kRelayChunk);  // once per session
  std::span<char> buf(relay_buf_.get(), kRelayChunk);
  beast::tcp_stream& s = up_->tcp();
  bool first = true;
  while (!head && !p.is_done()) {
    // Body bytes that came with the header are parsed (no read) and sent with it; otherwise
    // the header goes first, alone.
    if (first && up_->buffered() == 0) {
      bool sent = co_await write_out();
      if (!sent) co_return false;
    }
    first = false;
    p.get().body().data = buf.data();
    p.get().body().size = buf.size();
    if (ctx_.options.read_timeout.count() > 0) s.expires_after(ctx_.options.read_timeout);
    boost::system::error_code ec = co_await up_->read_some(p);
    s.expires_never();
    if (ec == bhttp::error::need_buffer) ec = {};
    size_t got = buf.size() - p.get().body().size;
    std::string_view piece(buf.data(), got);
    if (!chunked) out_.append(piece);
    if (chunked && got > 0) http::append_chunk(out_, piece);
    if (chunked && !ec && p.is_done()) out_.append(http::kLastChunk);
    if (!out_.empty()) {
      bool sent = co_await write_out();
      if (!sent) co_return false;
    }
    if (ec) {  // the member went away mid-body: the client's response cannot be completed
      up_->close();
      up_.reset();
      co_return false;
    }
  }
  if (first) {
    bool sent = co_await write_out();
    if (!sent) co_return false;
  }
  if (!p.keep_alive() || until_eof) {
    up_->close();
    up_.reset();
  }
  co_return keep_alive;
}

template <typename Stream>
std::string ProxySession<Stream>::response_head(const ResponseParser& p, const ClientRequest& req,
                                                bool chunked, bool keep_alive) {
  const auto& res = p.get();
  std::vector<std::pair<std::string_view, std::string_view>> fields;
  for (const auto& f : res) {
    std::string_view name = view(f.name_string());
    if (is_hop_by_hop(name) || is_cors_header(name)) continue;
    fields.emplace_back(name, view(f.value()));
  }
  http::CorsDecision c = cors(req);
  if (!c.allow_origin.empty()) {
    fields.emplace_back("Access-Control-Allow-Headers", "accept, content-type, authorization");
    fields.emplace_back("Access-Control-Allow-Methods", "POST, GET, OPTIONS, PUT, DELETE");
    fields.emplace_back("Access-Control-Allow-Origin", c.allow_origin);
  }
  // Go writes a response's headers sorted by name; so does this proxy.
  std::stable_sort(fields.begin(), fields.end(),
                   [](const auto& a, const auto& b) { return beast::iless{}(a.first, b.first); });
  std::string head = "HTTP/1.1 " + std::to_string(res.result_int()) + " ";
  head.append(res.reason().empty() ? http::reason_phrase(res.result_int()) : view(res.reason()));
  head.append("\r\n");
  for (const auto& [name, value] : fields)
    head.append(name).append(": ").append(value).append("\r\n");
  if (chunked) head.append("Transfer-Encoding: chunked\r\n");
  if (!keep_alive) head.append("Connection: close\r\n");
  head.append("\r\n");
  return head;
}

template <typename Stream>
UpstreamRequest ProxySession<Stream>::upstream_request(ClientRequest& req) const {
  UpstreamRequest up;
  up.method_string(req.method_string());  // as sent: method(verb::unknown) would throw
  up.target(req.target());
  up.version(11);
  std::vector<std::string_view> prior;
  for (const auto& f : req) {
    std::string_view name = view(f.name_string());
    // The body is read whole before it is forwarded: no "Expect: 100-continue" upstream (a
    // member would answer 100 first, which is not this request's response).
    if (is_hop_by_hop(name) || beast::iequals(name, "Content-Length") ||
        beast::iequals(name, "Expect")) {
      continue;
    }
    if (beast::iequals(name, "X-Forwarded-For")) {
      prior.push_back(view(f.value()));
      continue;
    }
    up.insert(f.name_string(), f.value());
  }
  if (!client_ip_.empty()) up.set("X-Forwarded-For", forwarded_for(prior, client_ip_));
  up.body() = std::move(req.body());
  // As Go's transport: a length when there is a body, and for POST, PUT and PATCH always.
  // (Not prepare_payload: it throws for a TRACE with a body.)
  bhttp::verb v = req.method();
  if (!up.body().empty() || v == bhttp::verb::post || v == bhttp::verb::put ||
      v == bhttp::verb::patch) {
    up.content_length(up.body().size());
  }
  up.keep_alive(true);
  return up;
}

template <typename Stream>
http::CorsDecision ProxySession<Stream>::cors(const ClientRequest& req) const {
  auto it = req.find(bhttp::field::origin);
  std::string_view origin = it == req.end() ? std::string_view() : view(it->value());
  for (const auto& o : ctx_.options.cors) {
    if (o == "*") return {"*"};
    if (!origin.empty() && o == origin) return {std::string(origin)};
  }
  return {};
}

}  // namespace

awaitable<void> run_proxy_session(tcp::socket socket, ProxyContext& ctx) {
  ProxySession<beast::tcp_stream> session(std::move(socket), ctx);
  co_await session.run();
}

awaitable<void> run_tls_proxy_session(tcp::socket socket, asio::ssl::context& tls,
                                      ProxyContext& ctx) {
  ProxySession<tls::TlsStream> session(std::move(socket), tls, ctx);
  co_await session.run();
}

}  // namespace larch::proxy
