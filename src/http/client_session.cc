#include "http/client_session.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include "http/request_parse.h"
#include "http/session_watch_sink.h"

namespace larch::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using asio::awaitable;
using asio::use_awaitable;
constexpr auto kTuple = asio::as_tuple(use_awaitable);

// Each stream watcher buffers up to this many undelivered events (etcd: 100); a consumer
// further behind is dropped and its response ends.
constexpr size_t kWatchBuffer = 100;

class Session {
 public:
  Session(asio::ip::tcp::socket socket, RequestHandler& handler, SessionLimits limits)
      : stream_(std::move(socket)), handler_(handler), limits_(limits) {}

  awaitable<void> run() {
    boost::system::error_code ignored;
    stream_.socket().non_blocking(true, ignored);  // for write_now and await_watch only
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
      CorsDecision cors = handler_.cors(req.origin);
      stream_.expires_never();
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
  // Writes a whole response; false if the connection must end.
  awaitable<bool> send(const Response& r, const CorsDecision& cors, bool keep_alive) {
    serialize_into(out_, r, cors, keep_alive, date_.now());
    bool ok = co_await write_now(out_);
    trim_output(out_);
    if (!ok || r.close || !keep_alive) {
      boost::system::error_code ignored;
      stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
      co_return false;
    }
    co_return true;
  }

  awaitable<bool> write_raw(std::string_view bytes) {
    stream_.expires_after(limits_.idle_timeout);
    auto [ec, n] = co_await asio::async_write(stream_, asio::buffer(bytes), kTuple);
    stream_.expires_never();
    co_return !ec;
  }

  // Writes straight to the socket (non-blocking) and only what the send buffer did not take
  // asynchronously: a watch event almost always fits, so it costs one send and no trip
  // through the reactor and the stream's timer.
  awaitable<bool> write_now(std::string_view bytes) {
    boost::system::error_code ec;
    size_t n = stream_.socket().write_some(asio::buffer(bytes), ec);
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
  awaitable<bool> await_watch(SessionWatchSink& sink) {
    auto& socket = stream_.socket();
    sink.park(&socket);
    auto [ec] = co_await socket.async_wait(asio::ip::tcp::socket::wait_read, kTuple);
    sink.park(nullptr);
    if (ec == asio::error::operation_aborted) co_return true;  // woken by the sink
    if (ec) co_return false;
    auto space = buffer_.prepare(4096);
    boost::system::error_code rec;
    size_t n = socket.read_some(space, rec);
    if (rec == asio::error::would_block) co_return true;
    if (rec || n == 0) co_return false;
    buffer_.commit(n);
    co_return buffer_.size() <= limits_.max_body_bytes + limits_.max_header_bytes;
  }

  awaitable<bool> serve_watch(WatchPlan& plan, const CorsDecision& cors, bool keep_alive) {
    auto sink = std::make_shared<SessionWatchSink>(stream_.get_executor(), kWatchBuffer);
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

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::string out_;  // the response being written; reused, so a response costs no allocation
  DateCache date_;
  RequestHandler& handler_;
  SessionLimits limits_;
};

}  // namespace

awaitable<void> run_client_session(asio::ip::tcp::socket socket, RequestHandler& handler,
                                   SessionLimits limits) {
  Session session(std::move(socket), handler, limits);
  co_await session.run();
}

}  // namespace larch::http
