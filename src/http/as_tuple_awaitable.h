#pragma once
// The completion token of the coroutines that take (error_code, results...) back instead of an
// exception: on sockets, errors (a peer gone, a timeout) are expected values, not exceptions.
// One definition for every module, so files built together (CMake's unity build) agree.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace larch::http {

inline constexpr auto kTuple = boost::asio::as_tuple(boost::asio::use_awaitable);

}  // namespace larch::http
