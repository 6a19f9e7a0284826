#pragma once
// The callback await_callback hands to a callback-style API: it resumes the awaiting
// coroutine on that coroutine's own executor. Called as a plain callback (any thread, once)
// it posts the resumption there. CompletionBatch recognises it instead (as the target of a
// std::function) and resumes many of them with one post per executor.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/post.hpp>
#include <functional>
#include <utility>

namespace larch::http {

template <typename T>
struct PostingCompletion {
  boost::asio::any_io_executor executor;
  std::function<void(T)> resume;  // resumes the coroutine; must run on `executor`

  void operator()(T value) {
    boost::asio::post(executor, [resume = std::move(resume), value = std::move(value)]() mutable {
      resume(std::move(value));
    });
  }
};

}  // namespace larch::http
