#pragma once
// One client connection: reads requests (Beast parser with header and body limits and an idle
// timeout), hands them to the RequestHandler and writes the responses; serves long-poll and
// stream watches, cancelling the watcher when the client goes away.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstdint>

#include "http/request_handler.h"

namespace larch::http {

struct SessionLimits {
  uint64_t max_body_bytes = 1572864;      // --max-request-bytes
  uint32_t max_header_bytes = 1 << 20;    // request line + headers
  std::chrono::seconds idle_timeout{60};  // no complete request within this: close
};

// Serves the connection until it closes. Run with co_spawn on a strand of the I/O context.
boost::asio::awaitable<void> run_client_session(boost::asio::ip::tcp::socket socket,
                                                RequestHandler& handler, SessionLimits limits);

}  // namespace larch::http
