#include "http/session_watch_sink.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <catch2/catch.hpp>

using larch::http::SessionWatchSink;
namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

std::shared_ptr<const std::string> ev(const char* s) {
  return std::make_shared<const std::string>(s);
}

// A connected loopback socket pair.
struct SocketPair {
  explicit SocketPair(asio::io_context& io) : a(io), b(io) {
    tcp::acceptor acc(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    a.connect(acc.local_endpoint());
    acc.accept(b);
  }
  tcp::socket a, b;
};

}  // namespace

TEST_CASE("watch sink: events reach the session thread in order, only once it runs") {
  asio::io_context io;
  auto sink = std::make_shared<SessionWatchSink>(io.get_executor(), 10);
  REQUIRE(sink->deliver(ev("1")));
  REQUIRE(sink->deliver(ev("2")));
  REQUIRE(sink->pop() == nullptr);  // posted, not yet arrived
  io.run();
  REQUIRE(*sink->pop() == "1");
  REQUIRE(*sink->pop() == "2");
  REQUIRE(sink->pop() == nullptr);
  REQUIRE_FALSE(sink->closed());
}

TEST_CASE("watch sink: refuses events beyond its capacity until the session takes some") {
  asio::io_context io;
  auto sink = std::make_shared<SessionWatchSink>(io.get_executor(), 2);
  REQUIRE(sink->deliver(ev("1")));
  REQUIRE(sink->deliver(ev("2")));
  REQUIRE_FALSE(sink->deliver(ev("3")));  // the hub drops such a watcher
  io.run();
  REQUIRE_FALSE(sink->deliver(ev("3")));  // arrived but not taken still counts
  REQUIRE(*sink->pop() == "1");
  REQUIRE(sink->deliver(ev("3")));
  io.restart();
  io.run();
  REQUIRE(*sink->pop() == "2");
  REQUIRE(*sink->pop() == "3");
}

TEST_CASE("watch sink: close is seen after the events delivered before it") {
  asio::io_context io;
  auto sink = std::make_shared<SessionWatchSink>(io.get_executor(), 10);
  REQUIRE(sink->deliver(ev("last")));
  sink->close();
  REQUIRE_FALSE(sink->closed());
  io.run();
  REQUIRE(sink->closed());
  REQUIRE(*sink->pop() == "last");
}

TEST_CASE("watch sink: an event or close wakes a parked wait; an unparked one is left alone") {
  asio::io_context io;
  SocketPair pair(io);
  auto sink = std::make_shared<SessionWatchSink>(io.get_executor(), 10);
  bool close_instead = GENERATE(false, true);
  boost::system::error_code got = asio::error::would_block;
  pair.b.async_wait(tcp::socket::wait_read, [&](boost::system::error_code ec) { got = ec; });
  sink->park(&pair.b);
  if (close_instead) {
    sink->close();
  } else {
    REQUIRE(sink->deliver(ev("x")));
  }
  io.run();
  REQUIRE(got == asio::error::operation_aborted);

  // Not parked: a delivery must not cancel the socket's operations (a write in progress).
  got = asio::error::would_block;
  io.restart();
  pair.b.async_wait(tcp::socket::wait_read, [&](boost::system::error_code ec) { got = ec; });
  if (!close_instead) REQUIRE(sink->deliver(ev("y")));
  io.poll();
  REQUIRE(got == asio::error::would_block);  // still waiting
  asio::write(pair.a, asio::buffer("z", 1));
  io.run_one();
  REQUIRE_FALSE(got);  // completed by readability, not cancelled
}
