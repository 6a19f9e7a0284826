#pragma once
// The answer to one held POST /raft: while a member processes a batch another member POSTed
// with `reply=1`, the messages it produces for that member are collected here and returned
// in the POST's response body instead of travelling in a POST of their own. A follower's
// acknowledgements thus ride on the leader's append request (one HTTP exchange per round
// instead of two).
//
// Threading: offer() and release() from any thread; wait() and take() on the executor the
// slot was made for (the peer session's, which is single-threaded). Always owned by a
// shared_ptr (release() posts a reference to that executor, so it must be called while the
// executor's io_context exists).
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>
#include <mutex>
#include <vector>

#include "consensus/message.h"

namespace larch::transport {

class ReplySlot : public std::enable_shared_from_this<ReplySlot> {
 public:
  explicit ReplySlot(boost::asio::any_io_executor ex) : ex_(ex) {}

  // Adds `msgs` to the reply and returns true; false once the slot is closed (the caller
  // then sends them another way). A snapshot never rides on a reply (see Transport::send).
  bool offer(std::vector<consensus::Message>& msgs);
  // The batch has been processed: wakes wait(). Messages offered later still go in until
  // take() closes the slot.
  void release();
  // Returns once release() has been called or `timeout` has passed.
  boost::asio::awaitable<void> wait(std::chrono::milliseconds timeout);
  // Closes the slot and returns what was offered.
  std::vector<consensus::Message> take();

 private:
  boost::asio::any_io_executor ex_;
  // Both only touched on ex_. The timer lives in wait()'s frame, not here: a slot may
  // outlive its io_context (a batch still queued for a raft loop), a timer must not.
  boost::asio::steady_timer* waiting_ = nullptr;
  bool released_ = false;
  std::mutex mu_;  // guards msgs_ and closed_
  std::vector<consensus::Message> msgs_;
  bool closed_ = false;
};

}  // namespace larch::transport
