#pragma once
// Opens an outgoing peer connection: what PeerSender's pipelined connection and a
// SnapshotSender's own connection both do.
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <string>

#include "transport/peer_endpoint.h"
#include "transport/peer_stream.h"

namespace larch::transport {

// Resolves `to`, connects `stream` (made for `to`: TLS for an https endpoint) with Nagle
// off and, for TLS, runs the handshake, each step within `timeout` (set on stream.tcp()).
// Empty on success, else what failed: "https peer URL, but no TLS client context" (a plain
// stream for an https endpoint), "resolve: ...", "connect: ..." or the handshake's error. The
// resolve cannot be cancelled: when `stopped` has been set meanwhile, nothing further is started
// and "stopped" is returned.
boost::asio::awaitable<std::string> connect_peer(PeerStream& stream, const PeerEndpoint& to,
                                                 std::chrono::milliseconds timeout,
                                                 const bool& stopped);

}  // namespace larch::transport
