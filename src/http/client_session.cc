#include "http/client_session.h"

#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include "http/as_tuple_awaitable.h"
#include "http/request_parse.h"
#include "http/session_watch_sink.h"
#include "tls/handshake_failure.h"
#include "tls/peer_identity.h"
#include "tls/tls_stream.h"
#include "util/log_line.h"

namespace larch::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using asio::awaitable;
using asio::use_awaitable;

// Each stream watcher buffers up to this many undelivered events (etcd: 100); a consumer
// further behind is dropped and its response ends.
constexpr size_t kWatchBuffer = 100;

// Stream: beast::tcp_stream (plain) or tls::TlsStream. The plain session writes and waits on
// its socket directly (write_now, await_watch); a TLS one goes through OpenSSL for both.
template <typename Stream>
class Session {
 public:
  static constexpr bool kTls = std::is_same_v<Stream, tls::TlsStream>;

  Session(asio::ip::tcp::socket socket, RequestHandler& handler,
          SessionLimits limits) requires(!kTls)
      : stream_(std::move(socket)), handler_(handler), limits_(limits) {}
  Session(asio::ip::tcp::socket socket, asio::ssl::context& context, RequestHandler& handler,
          SessionLimits limits, bool cert_names_user) requires kTls
      : stream_(beast::tcp_stream(std::move(socket)), context),
        handler_(handler),
        limits_(limits),
        cert_names_user_(cert_names_user) {}

  awaitable<void> run() {
    boost::system::error_code ignored;
    tcp().socket().non_blocking(true, ignored);  // for write_now and await_watch only
    if constexpr (kTls) {
      // Not `if (!co_await handshake())`: GCC 12 miscompiles a co_await in that position
      // inside `if constexpr` (seen crashing in the peer session).
      bool ok = co_await handshake();
      if (!ok) co_return;
    }
    for (bool first = true;; first = false) {
      // Asio tries every read once before it waits for the socket (a recvmsg), and right
      // after a response the client has not answered yet, so that try fails: a wasted syscall
      // per request. Letting this thread's other ready work run first gives the client that
      // time; under load most reads then find the next request there (GET: 1.97 -> 1.34
      // recvmsg per request). A post from the running thread costs no syscall.
      if (!first && buffer_.size() == 0) co_await asio::post(stream_.get_executor(), use_awaitable);
      RequestParser parser;
      boost::system::error_code ec = co_await read_request(stream_, buffer_, parser, limits_);
      if (ec) {
        if (is_quiet_end(ec)) co_return;
        Response failure = parse_failure(ec);
        CorsDecision any{"*"};
        co_await send(failure, any, false);
        co_return;
      }
      auto& msg = parser.get();
      bool keep_alive = msg.keep_alive();
      Request req = to_request(msg);
      req.cert_user = cert_user_;
      req.tls = kTls;
      CorsDecision cors = handler_.cors(req.origin);
      tcp().expires_never();
      Outcome out = co_await handler_.handle(req);
      bool ok;
      if (out.watch) {
        ok = co_await serve_watch(*out.watch, cors, keep_alive);
      } else {
        ok = co_await send(out.response, cors, keep_alive);
        ok = ok && keep_alive && !out.response.close;
      }
      if (!ok) co_return;
    }
  }

 private:
  beast::tcp_stream& tcp() { return beast::get_lowest_layer(stream_); }

  // The server side of the TLS handshake, bounded by the idle timeout; false if it failed
  // (the connection then closes without an answer, as etcd's does).
  awaitable<bool> handshake() {
    tcp().expires_after(limits_.idle_timeout);
    auto [ec] = co_await stream_.async_handshake(asio::ssl::stream_base::server, kTuple);
    tcp().expires_never();
    if (ec) {
      util::log_line(tls::handshake_failure(stream_, ec));
      co_return false;
    }
    if (cert_names_user_) cert_user_ = tls::verified_common_name(stream_.native_handle());
    co_return true;
  }

  // Writes a whole response; false if the connection must end.
  awaitable<bool> send(const Response& r, const CorsDecision& cors, bool keep_alive) {
    serialize_into(out_, r, cors, keep_alive, date_.now());
    bool ok = co_await write_now(out_);
    trim_output(out_);
    if (!ok || r.close || !keep_alive) {
      boost::system::error_code ignored;
      tcp().socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
      co_return false;
    }
    co_return true;
  }

  awaitable<bool> write_raw(std::string_view bytes) {
    tcp().expires_after(limits_.idle_timeout);
    auto [ec, n] = co_await asio::async_write(stream_, asio::buffer(bytes), kTuple);
    tcp().expires_never();
    co_return !ec;
  }

  // Writes straight to the socket (non-blocking) and only what the send buffer did not take
  // asynchronously: a watch event almost always fits, so it costs one send and no trip
  // through the reactor and the stream's timer.
  awaitable<bool> write_now(std::string_view bytes) {
    if constexpr (kTls) co_return co_await write_raw(bytes);
    boost::system::error_code ec;
    size_t n = tcp().socket().write_some(asio::buffer(bytes), ec);
    if (ec == asio::error::would_block) {
      n = 0;
    } else if (ec) {
      co_return false;
    }
    if (n == bytes.size()) co_return true;
    co_return co_await write_raw(bytes.substr(n));
  }

  // Parks until the client sends something, goes away, or `sink` has news. Bytes that arrive
  // are kept in buffer_ (a pipelined request, served after the watch); false on EOF, an error,
  // or more pending bytes than one request may have.
  //
  // On TLS the wait is for the socket too, and the read goes through OpenSSL without
  // blocking (the socket is non-blocking): would_block then means a partial record, kept by
  // the stream for the next read. Bytes OpenSSL has already decrypted are read at once.
  awaitable<bool> await_watch(SessionWatchSink& sink) {
    auto& socket = tcp().socket();
    if (!tls_input_pending()) {
      sink.park(&socket);
      auto [ec] = co_await socket.async_wait(asio::ip::tcp::socket::wait_read, kTuple);
      sink.park(nullptr);
      if (ec == asio::error::operation_aborted) co_return true;  // woken by the sink
      if (ec) co_return false;
    }
    auto space = buffer_.prepare(4096);
    boost::system::error_code rec;
    size_t n = stream_.read_some(space, rec);
    if (rec == asio::error::would_block) co_return true;
    if (rec || n == 0) co_return false;
    buffer_.commit(n);
    co_return buffer_.size() <= limits_.max_body_bytes + limits_.max_header_bytes;
  }

  bool tls_input_pending() {
    if constexpr (kTls) {
      SSL* ssl = stream_.native_handle();
      return SSL_pending(ssl) > 0 || BIO_ctrl_pending(SSL_get_rbio(ssl)) > 0;
    }
    return false;
  }

  awaitable<bool> serve_watch(WatchPlan& plan, const CorsDecision& cors, bool keep_alive) {
    auto sink = std::make_shared<SessionWatchSink>(tcp().get_executor(), kWatchBuffer);
    uint64_t id = 0;
    if (auto err = handler_.start_watch(plan, sink, id)) {
      bool ok = co_await send(*err, cors, keep_alive);
      co_return ok&& keep_alive;
    }
    plan.head.chunked = true;
    serialize_into(out_, plan.head, cors, keep_alive, date_.now());
    if (!co_await write_now(out_)) {
      handler_.cancel_watch(id);
      co_return false;
    }
    for (;;) {
      while (auto json = sink->pop()) {
        // A one-shot watch sends its event and the end of the body in one write.
        out_.clear();
        append_chunk(out_, *json);
        if (!plan.spec.stream) out_ += kLastChunk;
        bool sent = co_await write_now(out_);
        trim_output(out_);
        if (!sent) {
          handler_.cancel_watch(id);
          co_return false;
        }
        if (!plan.spec.stream) co_return keep_alive;
      }
      if (sink->closed()) {  // dropped (too slow) or server shutdown: end the body
        co_await write_now(kLastChunk);
        co_return false;
      }
      if (!co_await await_watch(*sink)) {
        handler_.cancel_watch(id);
        co_return false;
      }
    }
  }

  Stream stream_;
  std::string cert_user_;  // TLS: the verified client certificate's CN, if any
  beast::flat_buffer buffer_;
  std::string out_;  // the response being written; reused, so a response costs no allocation
  DateCache date_;
  RequestHandler& handler_;
  SessionLimits limits_;
  bool cert_names_user_ = false;  // TLS: --client-cert-auth
};

}  // namespace

awaitable<void> run_client_session(asio::ip::tcp::socket socket, RequestHandler& handler,
                                   SessionLimits limits) {
  Session<beast::tcp_stream> session(std::move(socket), handler, limits);
  co_await session.run();
}

awaitable<void> run_tls_client_session(asio::ip::tcp::socket socket, asio::ssl::context& context,
                                       RequestHandler& handler, SessionLimits limits,
                                       bool cert_names_user) {
  Session<tls::TlsStream> session(std::move(socket), context, handler, limits, cert_names_user);
  co_await session.run();
}

}  // namespace larch::http
