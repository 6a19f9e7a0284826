#pragma once
// One connection on the peer port, served with HTTP/1.1 pipelining: requests are read and
// handed to the PeerHandler (PeerHandler::begin, which delivers them to the raft loop) as
// they arrive, while earlier ones still wait for their held replies; responses are written
// strictly in request order. A leader can thus have several append batches in flight to a
// follower on one connection (PeerSender's window): the follower's raft thread finds the
// next batch waiting when it finishes an fsync instead of idling for a round trip, and the
// order of deliveries stays the order on the wire.
//
// At most kMaxPipelined requests are read ahead of the responses (then reading pauses, and
// TCP holds the sender back). A parse error is answered in order and ends the connection;
// when the connection ends, held replies not yet answered are abandoned (their slots close).
//
// A streamed snapshot (POST /raft/snapshot) is told apart by its header, which the handler
// judges before any of the body is read (PeerHandler::admit_snapshot); its body then goes to
// a file with no size limit (`limits.max_body_bytes` bounds the other requests), each read
// within `limits.idle_timeout`, and the connection ends after its answer.
//
// An https peer URL is served the same after a TLS handshake (run_tls_peer_session).
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <cstddef>

#include "http/client_session.h"
#include "transport/peer_handler.h"

namespace larch::transport {

inline constexpr size_t kMaxPipelined = 16;

// Serves the connection until it closes. Run with co_spawn on a single-threaded executor.
boost::asio::awaitable<void> run_peer_session(boost::asio::ip::tcp::socket socket,
                                              PeerHandler& handler, http::SessionLimits limits);

// The same over TLS: the handshake first, bounded by 10 s (or the idle timeout if shorter);
// a failed one (under --peer-client-cert-auth: a peer without a certificate the context's
// CAs verify) closes the connection without an answer. `context` must outlive the session.
boost::asio::awaitable<void> run_tls_peer_session(boost::asio::ip::tcp::socket socket,
                                                  boost::asio::ssl::context& context,
                                                  PeerHandler& handler, http::SessionLimits limits);

}  // namespace larch::transport
