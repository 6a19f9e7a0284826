#include "http/session_watch_sink.h"

#include <boost/asio/post.hpp>

namespace larch::http {

SessionWatchSink::SessionWatchSink(boost::asio::any_io_executor ex, size_t capacity)
    : ex_(std::move(ex)), capacity_(capacity) {}

bool SessionWatchSink::deliver(std::shared_ptr<const std::string> json) {
  if (undelivered_.fetch_add(1, std::memory_order_relaxed) >= capacity_) {
    undelivered_.fetch_sub(1, std::memory_order_relaxed);
    return false;
  }
  boost::asio::post(ex_, [self = shared_from_this(), json = std::move(json)]() mutable {
    self->arrive(std::move(json));
  });
  return true;
}

void SessionWatchSink::close() {
  boost::asio::post(ex_, [self = shared_from_this()] {
    self->closed_ = true;
    self->wake();
  });
}

std::shared_ptr<const std::string> SessionWatchSink::pop() {
  if (head_ == queue_.size()) return nullptr;
  auto json = std::move(queue_[head_++]);
  if (head_ == queue_.size()) {
    queue_.clear();
    head_ = 0;
  }
  undelivered_.fetch_sub(1, std::memory_order_relaxed);
  return json;
}

void SessionWatchSink::arrive(std::shared_ptr<const std::string> json) {
  queue_.push_back(std::move(json));
  wake();
}

void SessionWatchSink::wake() {
  if (parked_ == nullptr) return;
  boost::system::error_code ignored;
  parked_->cancel(ignored);  // the session's wait completes with operation_aborted
  parked_ = nullptr;
}

}  // namespace larch::http
