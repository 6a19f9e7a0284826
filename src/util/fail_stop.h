#pragma once
// A member thread's event loop, run fail-stop. An exception escaping a handler means the
// member can no longer keep its contract, most often because storage failed (a full disk,
// an I/O error reported by SQLite). Going on could acknowledge what was not stored or apply
// half a batch, so the member says why in its log and stops. Nothing acknowledged is lost: a
// write is answered only once it is stored, and the member recovers from its data dir when
// it is restarted after the cause is fixed. (Without this, the C++ runtime's terminate
// message names neither the thread nor what to do.)
#include <boost/asio/io_context.hpp>
#include <functional>
#include <string>

namespace larch::util {

// Receives the log line's text; the production one does not return.
using FatalStop = std::function<void(const std::string& why)>;

// Logs `why` and aborts the process (a core dump, where enabled, keeps the state to study).
[[noreturn]] void abort_member(const std::string& why);

// Names the calling thread `thread` and runs `ioc` until it stops. If a handler throws,
// calls `stop` with a line naming the thread and the exception, then returns.
void run_fail_stop(boost::asio::io_context& ioc, const std::string& thread,
                   const FatalStop& stop = abort_member);

}  // namespace larch::util
