#include "transport/peer_session.h"

#include <algorithm>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/file_body.hpp>
#include <boost/beast/http/read.hpp>
#include <chrono>
#include <deque>
#include <type_traits>

#include "http/as_tuple_awaitable.h"
#include "http/request_parse.h"
#include "http/response.h"
#include "http/sized_read.h"
#include "tls/handshake_failure.h"
#include "tls/tls_stream.h"
#include "transport/peer_target.h"
#include "util/log_line.h"
#include "util/remove_db_file.h"

namespace larch::transport {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using asio::awaitable;
using namespace asio::experimental::awaitable_operators;
using http::kTuple;
// Bounds the TLS handshake (and the idle timeout, if shorter).
constexpr std::chrono::seconds kHandshakeTimeout{10};

// Reader and writer share the stream: each sets the expiry of its own operation just before
// starting it (Beast's tcp_stream keeps separate read and write timers, and expires_after
// only touches the one not pending), so one can wait for a request while the other writes.
// `Stream` is beast::tcp_stream (http) or tls::TlsStream (https); OpenSSL's stream allows a
// read and a write at the same time too. Timers and the socket are the lowest layer's.
template <typename Stream>
class PeerSession {
 public:
  static constexpr bool kTls = std::is_same_v<Stream, tls::TlsStream>;

  // `stream_args`: the socket, then for TLS the context.
  template <typename... StreamArgs>
  PeerSession(PeerHandler& handler, http::SessionLimits limits, StreamArgs&&... stream_args)
      : stream_(std::forward<StreamArgs>(stream_args)...),
        handler_(handler),
        limits_(limits),
        reader_wake_(stream_.get_executor()),
        writer_wake_(stream_.get_executor()) {}

  awaitable<void> run() {
    if constexpr (kTls) {
      // A failed handshake (no or an untrusted certificate under --peer-client-cert-auth,
      // plain HTTP sent to the TLS port) ends the connection without an answer.
      // Not `if (!co_await handshake())`: GCC 12 miscompiles that here (the session crashed).
      bool ok = co_await handshake();
      if (!ok) {
        close();
        co_return;
      }
    }
    co_await (read_loop() && write_loop());
    close();
  }

 private:
  struct Entry {
    PeerHandler::PendingAnswer answer;
    bool keep_alive = true;
  };

  awaitable<bool> handshake() {
    lowest().expires_after(std::min(limits_.idle_timeout, kHandshakeTimeout));
    auto [ec] = co_await stream_.async_handshake(asio::ssl::stream_base::server, kTuple);
    if (ec) util::log_line(tls::handshake_failure(stream_, ec));
    co_return !ec;
  }

  beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }

  // The next request's header, under the connection's header limit; the body's limit waits
  // for the header (a streamed snapshot has none). The whole request must arrive within the
  // idle timeout (a snapshot: each read, see receive_snapshot).
  awaitable<boost::system::error_code> read_header(http::RequestParser& parser) {
    parser.header_limit(limits_.max_header_bytes);
    parser.body_limit(boost::none);
    lowest().expires_after(limits_.idle_timeout);
    auto [ec, n] = co_await bhttp::async_read_header(stream_, buffer_, parser, kTuple);
    co_return ec;
  }

  // The rest of a request other than a snapshot, under the connection's body limit.
  awaitable<boost::system::error_code> read_body(http::RequestParser& parser) {
    if (auto len = parser.content_length(); len && *len > limits_.max_body_bytes) {
      co_return bhttp::error::body_limit;
    }
    parser.body_limit(limits_.max_body_bytes);  // a chunked body counts down from here
    if (parser.is_done()) co_return boost::system::error_code{};
    http::reserve_for_body(buffer_, parser);
    auto [ec, n] = co_await bhttp::async_read(stream_, buffer_, parser, kTuple);
    co_return ec;
  }

  // A POST /raft/snapshot whose header has been read: admitted by the handler, its body is
  // streamed into the image file the handler named (each read within the idle timeout, no
  // size limit), then the message is delivered. Refused, or failed half-way: answered (if
  // the peer can still hear it) and the connection closes, the partial file removed.
  awaitable<Entry> receive_snapshot(http::RequestParser& header) {
    auto& msg = header.get();
    PeerHandler::SnapshotIntake in =
        handler_.admit_snapshot(msg.method_string(), msg.target(), msg[kSnapshotHeader]);
    Entry out;
    out.keep_alive = false;  // one snapshot per connection (SnapshotSender)
    if (in.refused) {
      out.answer.ready = std::move(*in.refused);
      co_return out;
    }
    const std::string path = in.message.snapshot;
    bhttp::request_parser<bhttp::file_body> body(std::move(header));
    beast::error_code ec;
    body.get().body().open(path.c_str(), beast::file_mode::write, ec);
    if (ec) {
      out.answer.ready = http::json_message(500, "cannot write " + path + ": " + ec.message());
      co_return out;
    }
    while (!ec && !body.is_done()) {
      lowest().expires_after(limits_.idle_timeout);
      auto [rec, n] = co_await bhttp::async_read_some(stream_, buffer_, body, kTuple);
      ec = rec;
    }
    body.get().body().close();
    if (ec) {
      util::remove_db_file(path);
      util::log_line("receiving a snapshot failed: " + ec.message());
      out.answer.ready = http::parse_failure(ec);
      co_return out;
    }
    out.answer.ready = handler_.deliver_snapshot(std::move(in.message));
    co_return out;
  }

  awaitable<void> read_loop() {
    asio::any_io_executor ex = co_await asio::this_coro::executor;
    while (!closed_) {
      if (pending_.size() >= kMaxPipelined) {
        co_await sleep(reader_wake_);
        continue;
      }
      http::RequestParser parser;
      boost::system::error_code ec = co_await read_header(parser);
      if (!ec && !closed_ && PeerHandler::is_snapshot_target(parser.get().target())) {
        Entry e = co_await receive_snapshot(parser);
        bool keep_alive = e.keep_alive;
        if (!closed_) push(std::move(e));
        if (!keep_alive || closed_) break;
        continue;
      }
      if (!ec && !closed_) ec = co_await read_body(parser);
      if (closed_) break;
      if (ec && http::is_quiet_end(ec)) {
        close();  // the sender is gone (it never half-closes): nobody to answer
        break;
      }
      if (ec) {
        Entry failure;
        failure.answer.ready = http::parse_failure(ec);
        failure.keep_alive = false;
        push(std::move(failure));
        break;
      }
      auto& msg = parser.get();
      bool keep_alive = msg.keep_alive();
      http::Request req = http::to_request(msg);
      push({handler_.begin(req, ex), keep_alive});
      if (!keep_alive) break;
    }
    reading_done_ = true;
    writer_wake_.cancel();
  }

  awaitable<void> write_loop() {
    while (!closed_) {
      if (pending_.empty()) {
        if (reading_done_) break;
        co_await sleep(writer_wake_);
        continue;
      }
      Entry e = std::move(pending_.front());
      pending_.pop_front();
      reader_wake_.cancel();            // room to read ahead again
      answering_.from = e.answer.from;  // so that close() can abandon it
      answering_.slot = e.answer.slot;
      http::Response r = co_await handler_.finish(std::move(e.answer));
      answering_.slot.reset();
      if (closed_) break;
      bool keep_alive = e.keep_alive && !r.close;
      http::serialize_into(out_, r, http::CorsDecision{}, keep_alive, date_.now());
      lowest().expires_after(limits_.idle_timeout);
      auto [ec, n] = co_await asio::async_write(stream_, asio::buffer(out_), kTuple);
      http::trim_output(out_);  // e.g. after a held reply carrying forwarded proposals
      if (ec || !keep_alive) break;
    }
    close();
  }

  void push(Entry e) {
    pending_.push_back(std::move(e));
    writer_wake_.cancel();
  }

  // Ends both loops (a pending read or write fails at once) and closes the slots of the held
  // replies that will not be answered now, so the raft loop's messages for that member go to
  // a live connection's slot or by POST rather than into a dead one (up to kReplyHold each).
  void close() {
    if (!closed_) {
      closed_ = true;
      boost::system::error_code ignored;
      // TLS too: no close_notify (what could still be said is cut off anyway; HTTP
      // messages are length-delimited, so the other side loses nothing it could use).
      lowest().socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
      lowest().socket().close(ignored);
      reader_wake_.cancel();
      writer_wake_.cancel();
    }
    handler_.abandon(answering_);
    for (auto& e : pending_) handler_.abandon(e.answer);
    pending_.clear();
  }

  // Waits until `timer` is cancelled (the other loop has news).
  static awaitable<void> sleep(asio::steady_timer& timer) {
    timer.expires_at(asio::steady_timer::time_point::max());
    co_await timer.async_wait(kTuple);
  }

  Stream stream_;
  beast::flat_buffer buffer_;
  std::string out_;
  http::DateCache date_;
  PeerHandler& handler_;
  http::SessionLimits limits_;
  asio::steady_timer reader_wake_;        // cancelled when a response has been taken
  asio::steady_timer writer_wake_;        // cancelled when a request has been queued
  std::deque<Entry> pending_;             // read, not yet answered; in order
  PeerHandler::PendingAnswer answering_;  // the one write_loop is finishing (slot only)
  bool reading_done_ = false;
  bool closed_ = false;
};

}  // namespace

awaitable<void> run_peer_session(asio::ip::tcp::socket socket, PeerHandler& handler,
                                 http::SessionLimits limits) {
  PeerSession<beast::tcp_stream> session(handler, limits, std::move(socket));
  co_await session.run();
}

awaitable<void> run_tls_peer_session(asio::ip::tcp::socket socket, asio::ssl::context& context,
                                     PeerHandler& handler, http::SessionLimits limits) {
  PeerSession<tls::TlsStream> session(handler, limits, std::move(socket), context);
  co_await session.run();
}

}  // namespace larch::transport
