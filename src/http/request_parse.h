#pragma once
// The two conversions every connection type needs between Beast's parser and the handlers:
// a parsed message as a Request (views into the message, whose body is moved out), and the
// answer to a request the parser rejected.
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/system/error_code.hpp>

#include "http/request_handler.h"
#include "http/response.h"

namespace larch::http {

// The views stay valid while `msg` lives; the body is moved out of it.
Request to_request(boost::beast::http::request<boost::beast::http::string_body>& msg);

// 400 (with etcd's "POST too large" error for a body over the limit) or 431; closes.
Response parse_failure(const boost::system::error_code& ec);

// A read that ended because the client went away or the connection timed out, which is
// answered by closing, not by an error response.
bool is_quiet_end(const boost::system::error_code& ec);

}  // namespace larch::http
