#pragma once
// The I/O threads of a process (member or proxy): one io_context per thread (concurrency hint
// 1: no strands, no cross-thread wakeups), the first run by the thread that calls run(), the
// others by threads named larch-io1, larch-io2, ...
#include <boost/asio/io_context.hpp>
#include <memory>
#include <vector>

namespace larch::server {

class IoThreads {
 public:
  explicit IoThreads(int count);

  boost::asio::io_context& main() { return *contexts_[0]; }
  // Every context, for accept loops that spread connections over them.
  const std::vector<boost::asio::io_context*>& contexts() const { return ptrs_; }

  // Runs every context until stop(); returns after every thread has ended.
  void run();
  // Any thread: makes run() return.
  void stop();

 private:
  std::vector<std::unique_ptr<boost::asio::io_context>> contexts_;
  std::vector<boost::asio::io_context*> ptrs_;
};

}  // namespace larch::server
