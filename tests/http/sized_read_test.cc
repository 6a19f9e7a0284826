#include "http/sized_read.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/local/connect_pair.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/string_body.hpp>
#include <catch2/catch.hpp>
#include <optional>
#include <string>

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using larch::http::read_sized;
using Socket = asio::local::stream_protocol::socket;

namespace {

// Writes `head` first and `body` a moment later (so the header arrives alone), then reads
// one response with read_sized. Returns the error, the parsed body and the buffer capacity.
struct Outcome {
  boost::system::error_code ec;
  std::string body;
  size_t capacity = 0;
};

Outcome read_split(const std::string& head, const std::string& body) {
  asio::io_context io;
  Socket reader(io), writer(io);
  asio::local::connect_pair(reader, writer);
  asio::write(writer, asio::buffer(head));
  Outcome out;
  boost::beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(1 << 20);
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        out.ec = co_await read_sized(reader, buffer, parser);
        if (!out.ec) out.body = parser.get().body();
        out.capacity = buffer.capacity();
      },
      asio::detached);
  io.poll();  // reads the header, then waits for the body
  asio::write(writer, asio::buffer(body));
  io.run();
  return out;
}

}  // namespace

TEST_CASE("read_sized: a body arriving after the header is read whole, with room made first") {
  std::string body(20000, 'x');
  Outcome out = read_split(
      "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n", body);
  REQUIRE_FALSE(out.ec);
  REQUIRE(out.body == body);
  // The buffer was sized to the body (Beast alone would keep reading 512 bytes at a time).
  REQUIRE(out.capacity >= body.size());
}

TEST_CASE("read_sized: a message without a body, and a body limit") {
  Outcome empty = read_split("HTTP/1.1 204 No Content\r\n\r\n", "");
  REQUIRE_FALSE(empty.ec);
  REQUIRE(empty.body.empty());
  Outcome big = read_split("HTTP/1.1 200 OK\r\nContent-Length: 2000000\r\n\r\n", "y");
  REQUIRE(big.ec == bhttp::error::body_limit);
}
