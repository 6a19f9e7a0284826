#include "transport/reply_slot.h"

#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "http/as_tuple_awaitable.h"

namespace larch::transport {

bool ReplySlot::offer(std::vector<consensus::Message>& msgs) {
  std::lock_guard lock(mu_);
  if (closed_) return false;
  for (auto& m : msgs) msgs_.push_back(std::move(m));
  return true;
}

void ReplySlot::release() {
  boost::asio::post(ex_, [self = shared_from_this()] {
    self->released_ = true;
    if (self->waiting_) self->waiting_->cancel();
  });
}

boost::asio::awaitable<void> ReplySlot::wait(std::chrono::milliseconds timeout) {
  // release() may already have run on this executor (between suspensions of the caller).
  if (released_) co_return;
  boost::asio::steady_timer timer(ex_, timeout);
  waiting_ = &timer;
  co_await timer.async_wait(http::kTuple);
  waiting_ = nullptr;
}

std::vector<consensus::Message> ReplySlot::take() {
  std::lock_guard lock(mu_);
  closed_ = true;
  return std::move(msgs_);
}

}  // namespace larch::transport
