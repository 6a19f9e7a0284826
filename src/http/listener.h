#pragma once
// Accepts TCP connections on one address (SO_REUSEADDR, so a restarted member rebinds its
// ports at once) and runs a client session for each on its own strand.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <string>

#include "http/client_session.h"
#include "http/request_handler.h"

namespace larch::http {

// Binds and listens; returns an error message (empty on success).
std::string open_acceptor(boost::asio::ip::tcp::acceptor& acceptor, const std::string& host,
                          uint16_t port);

// Accept loop; each connection runs on a new strand of ioc. Ends when acceptor is closed.
boost::asio::awaitable<void> accept_loop(boost::asio::ip::tcp::acceptor& acceptor,
                                         boost::asio::io_context& ioc, RequestHandler& handler,
                                         SessionLimits limits);

}  // namespace larch::http
