#include "transport/peer_session.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <deque>

#include "http/request_parse.h"
#include "http/response.h"

namespace larch::transport {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using asio::awaitable;
using namespace asio::experimental::awaitable_operators;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

// Reader and writer share the stream: each sets the expiry of its own operation just before
// starting it (Beast's tcp_stream keeps separate read and write timers, and expires_after
// only touches the one not pending), so one can wait for a request while the other writes.
class PeerSession {
 public:
  PeerSession(asio::ip::tcp::socket socket, PeerHandler& handler, http::SessionLimits limits)
      : stream_(std::move(socket)),
        handler_(handler),
        limits_(limits),
        reader_wake_(stream_.get_executor()),
        writer_wake_(stream_.get_executor()) {}

  awaitable<void> run() {
    co_await (read_loop() && write_loop());
    close();
  }

 private:
  struct Entry {
    PeerHandler::PendingAnswer answer;
    bool keep_alive = true;
  };

  awaitable<void> read_loop() {
    asio::any_io_executor ex = co_await asio::this_coro::executor;
    while (!closed_) {
      if (pending_.size() >= kMaxPipelined) {
        co_await sleep(reader_wake_);
        continue;
      }
      http::RequestParser parser;
      boost::system::error_code ec = co_await http::read_request(stream_, buffer_, parser, limits_);
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
      stream_.expires_after(limits_.idle_timeout);
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
      stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
      stream_.socket().close(ignored);
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

  beast::tcp_stream stream_;
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
  PeerSession session(std::move(socket), handler, limits);
  co_await session.run();
}

}  // namespace larch::transport
