#include "util/fail_stop.h"

#include <pthread.h>

#include <cstdlib>
#include <exception>

#include "util/log_line.h"

namespace larch::util {

void abort_member(const std::string& why) {
  log_line(why);
  std::abort();
}

void run_fail_stop(boost::asio::io_context& ioc, const std::string& thread, const FatalStop& stop) {
  pthread_setname_np(pthread_self(), thread.substr(0, 15).c_str());  // the kernel's limit
  std::string what;
  try {
    ioc.run();
    return;
  } catch (const std::exception& e) {
    what = e.what();
  } catch (...) {
    what = "an unknown exception";
  }
  stop("fatal: thread " + thread + " failed: " + what +
       "; stopping this member (a write is answered only once stored, so no acknowledged "
       "write is lost; fix the cause, most often a full disk or an I/O error under the data "
       "dir, then restart the member)");
}

}  // namespace larch::util
