#pragma once
// Completes a batch of waiting requests with one post per executor instead of one per
// request. The apply thread finishes dozens of writes per batch, almost all waited for by the
// two I/O threads: a post each cost an operation allocated on the apply thread and freed on
// the I/O thread (so malloc's slow path on both), a scheduler lock on each side and a queue
// entry per request. Completions of one executor run in the order they were added.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/post.hpp>
#include <functional>
#include <utility>
#include <vector>

#include "http/posting_completion.h"

namespace larch::http {

template <typename T>
class CompletionBatch {
 public:
  CompletionBatch() = default;
  CompletionBatch(const CompletionBatch&) = delete;
  CompletionBatch& operator=(const CompletionBatch&) = delete;
  // Whatever was added and not yet posted is posted: a waiting coroutine is never dropped.
  ~CompletionBatch() { post_all(); }

  // Completes `done` with `value`: a PostingCompletion joins its executor's group; any other
  // callback is called at once. Either way `done` is used up: the caller drops it (calling it
  // again would resume nothing).
  void add(std::function<void(T)>& done, T value) {
    auto* pc = done.template target<PostingCompletion<T>>();
    if (pc == nullptr) {
      done(std::move(value));
      return;
    }
    group_for(pc->executor).items.emplace_back(std::move(pc->resume), std::move(value));
  }

  // Posts one handler per executor that resumes its completions in order.
  void post_all() {
    for (Group& g : groups_) {
      boost::asio::post(g.executor, [items = std::move(g.items)]() mutable {
        for (auto& [resume, value] : items) resume(std::move(value));
      });
    }
    groups_.clear();
  }

 private:
  struct Group {
    boost::asio::any_io_executor executor;
    std::vector<std::pair<std::function<void(T)>, T>> items;
  };

  Group& group_for(const boost::asio::any_io_executor& ex) {
    for (Group& g : groups_) {
      if (g.executor == ex) return g;
    }
    return groups_.emplace_back(Group{ex, {}});
  }

  std::vector<Group> groups_;  // a handful: one per I/O thread
};

}  // namespace larch::http
