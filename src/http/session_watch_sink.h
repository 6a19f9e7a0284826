#pragma once
// A watcher's event queue, owned by one client session. The session's io_context runs on a
// single thread, which is the only one touching the queue; the hub (raft thread) hands events
// over by posting to that executor, so delivery costs one post and, when the session is
// parked, one cancelled socket wait — no channel, no parallel wait of two coroutines.
#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <memory>
#include <string>
#include <vector>

#include "store/watch_hub.h"

namespace larch::http {

class SessionWatchSink : public store::WatchSink,
                         public std::enable_shared_from_this<SessionWatchSink> {
 public:
  // capacity: undelivered events a watcher may have queued before the hub drops it (etcd:
  // 100); an event counts until the session has taken it with pop().
  SessionWatchSink(boost::asio::any_io_executor ex, size_t capacity);

  // Hub side (any thread, under the hub's lock): never blocks.
  bool deliver(std::shared_ptr<const std::string> json) override;
  void close() override;

  // Session thread only.
  // The oldest queued event, or null when none is queued.
  std::shared_ptr<const std::string> pop();
  // The hub dropped the watcher (a consumer too slow, or shutdown); events queued before that
  // are still returned by pop() first.
  bool closed() const { return closed_; }
  // While `socket` waits for the client (readability), an arriving event or close() cancels
  // that wait so the session wakes. Pass null once the wait has completed.
  void park(boost::asio::ip::tcp::socket* socket) { parked_ = socket; }

 private:
  void arrive(std::shared_ptr<const std::string> json);
  void wake();

  boost::asio::any_io_executor ex_;
  const size_t capacity_;
  std::atomic<size_t> undelivered_{0};
  // Session thread only:
  // Events not yet popped are queue_[head_..]; a std::deque would allocate 576 bytes per watch.
  std::vector<std::shared_ptr<const std::string>> queue_;
  size_t head_ = 0;
  bool closed_ = false;
  boost::asio::ip::tcp::socket* parked_ = nullptr;
};

}  // namespace larch::http
