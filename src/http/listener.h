#pragma once
// Accepts TCP connections on one address (SO_REUSEADDR, so a restarted member rebinds its
// ports at once) and runs a client session for each on its own strand.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <functional>
#include <string>
#include <vector>

#include "http/client_session.h"
#include "http/request_handler.h"

namespace larch::http {

// Binds and listens; returns an error message (empty on success).
std::string open_acceptor(boost::asio::ip::tcp::acceptor& acceptor, const std::string& host,
                          uint16_t port);

// Accept loop. Connections are spread round-robin over `contexts` (one io_context per I/O
// thread, each run by exactly one thread, so a session needs no strand and never wakes
// another I/O thread). Ends when the acceptor is closed.
boost::asio::awaitable<void> accept_loop(boost::asio::ip::tcp::acceptor& acceptor,
                                         std::vector<boost::asio::io_context*> contexts,
                                         RequestHandler& handler, SessionLimits limits);

// The same with another kind of session (e.g. the peer port's pipelining one): `run` serves
// one accepted connection (TCP_NODELAY already set) on the io_context it was accepted on.
using SessionRunner = std::function<boost::asio::awaitable<void>(boost::asio::ip::tcp::socket)>;
boost::asio::awaitable<void> accept_loop(boost::asio::ip::tcp::acceptor& acceptor,
                                         std::vector<boost::asio::io_context*> contexts,
                                         SessionRunner run);

}  // namespace larch::http
