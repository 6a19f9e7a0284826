#pragma once
// Reads one HTTP message (request or response) into `parser`: the header, then, unless it
// arrived with it, the body in reads as large as the body (up to kMaxReadChunk).
//
// Why: Beast reads at most 64 KiB per call, and otherwise only as much as the buffer's spare
// capacity (at least 512 bytes); since the parser consumes the body as it arrives, the buffer
// never grows, and a 5 KiB body took ~11 recvmsg, each with an epoll_wait and a timer re-arm.
// Making room for the body first reads it in one or two.
#include <algorithm>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <cstddef>
#include <cstdint>

#include "http/as_tuple_awaitable.h"

namespace larch::http {

inline constexpr size_t kMaxReadChunk = 64 * 1024;

// Makes room in `buffer` for the body `parser`'s header announced (up to kMaxReadChunk).
template <bool isRequest, typename Body>
void reserve_for_body(boost::beast::flat_buffer& buffer,
                      const boost::beast::http::parser<isRequest, Body>& parser) {
  if (auto len = parser.content_length()) {
    size_t want = buffer.size() + static_cast<size_t>(std::min<uint64_t>(*len, kMaxReadChunk));
    if (buffer.capacity() < want) buffer.reserve(want);
  }
}

// One coroutine for header and body (an inner one would cost each request another frame).
template <typename Stream, bool isRequest, typename Body>
boost::asio::awaitable<boost::system::error_code> read_sized(
    Stream& stream, boost::beast::flat_buffer& buffer,
    boost::beast::http::parser<isRequest, Body>& parser) {
  auto [ec, n] = co_await boost::beast::http::async_read_header(stream, buffer, parser, kTuple);
  if (ec || parser.is_done()) co_return ec;
  reserve_for_body(buffer, parser);
  auto [body_ec, body_n] = co_await boost::beast::http::async_read(stream, buffer, parser, kTuple);
  co_return body_ec;
}

}  // namespace larch::http
