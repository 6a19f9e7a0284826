#pragma once
// Bridges a callback-style API (callback invoked once, on any thread) into a coroutine:
//   T v = co_await await_callback<T>([&](auto cb) { service.write(cmd, cb); });
// The result is posted back to the awaiting coroutine's executor (the callback is a
// PostingCompletion, so CompletionBatch can post many results at once).
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <functional>
#include <memory>
#include <utility>

#include "http/posting_completion.h"

namespace larch::http {

template <typename T, typename Start>
auto await_callback(Start start) {
  return boost::asio::async_initiate<const boost::asio::use_awaitable_t<>&, void(T)>(
      [start = std::move(start)](auto handler) mutable {
        using Handler = decltype(handler);
        auto ex = boost::asio::get_associated_executor(handler);
        auto shared = std::make_shared<Handler>(std::move(handler));
        start(std::function<void(T)>(
            PostingCompletion<T>{ex, [shared](T value) { (*shared)(std::move(value)); }}));
      },
      boost::asio::use_awaitable);
}

}  // namespace larch::http
