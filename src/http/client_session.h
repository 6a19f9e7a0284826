#pragma once
// One client connection: reads requests (Beast parser with header and body limits and an idle
// timeout), hands them to the RequestHandler and writes the responses; serves long-poll and
// stream watches, cancelling the watcher when the client goes away.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
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

// The same over TLS (an https listener): the handshake first, bounded by the idle timeout;
// a failed handshake (no or an unverifiable client certificate under --client-cert-auth,
// plain HTTP sent to the TLS port) closes the connection without an answer. With
// cert_names_user (--client-cert-auth), requests carry the verified client certificate's
// Common Name (Request::cert_user). `context` must outlive the session.
boost::asio::awaitable<void> run_tls_client_session(boost::asio::ip::tcp::socket socket,
                                                    boost::asio::ssl::context& context,
                                                    RequestHandler& handler, SessionLimits limits,
                                                    bool cert_names_user);

}  // namespace larch::http
