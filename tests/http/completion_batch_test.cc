#include "http/completion_batch.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "http/await_callback.h"

using larch::http::await_callback;
using larch::http::CompletionBatch;
using larch::http::PostingCompletion;
namespace asio = boost::asio;

namespace {

// Spawns a coroutine on io that waits through await_callback and records what it got; the
// callback it would hand to a service lands in `callbacks`.
void spawn_waiter(asio::io_context& io, std::vector<std::function<void(int)>>& callbacks,
                  std::vector<std::string>& got, std::string name) {
  asio::co_spawn(
      io,
      [&callbacks, &got, name]() -> asio::awaitable<void> {
        int v = co_await await_callback<int>(
            [&](std::function<void(int)> cb) { callbacks.push_back(std::move(cb)); });
        got.push_back(name + "=" + std::to_string(v));
      },
      asio::detached);
}

}  // namespace

TEST_CASE("completion batch: one post per executor, completions in order") {
  asio::io_context a, b;
  std::vector<std::function<void(int)>> callbacks;
  std::vector<std::string> got_a, got_b;
  spawn_waiter(a, callbacks, got_a, "a1");
  spawn_waiter(b, callbacks, got_b, "b1");
  spawn_waiter(a, callbacks, got_a, "a2");
  spawn_waiter(a, callbacks, got_a, "a3");
  a.poll();  // the three waiters of a hand over their callbacks first, then b's
  b.poll();
  REQUIRE(callbacks.size() == 4);
  for (auto& cb : callbacks) REQUIRE(cb.target<PostingCompletion<int>>() != nullptr);

  CompletionBatch<int> batch;
  for (size_t i = 0; i < callbacks.size(); ++i) batch.add(callbacks[i], static_cast<int>(i));
  batch.post_all();
  CHECK(got_a.empty());  // nothing runs on the adding thread
  a.restart();
  b.restart();
  CHECK(a.poll_one() == 1);  // the batch handler resumes all three waiters of a
  CHECK(got_a == std::vector<std::string>{"a1=0", "a2=1", "a3=2"});
  CHECK(a.poll() == 0);
  CHECK(b.poll_one() == 1);
  CHECK(got_b == std::vector<std::string>{"b1=3"});
}

TEST_CASE("completion batch: a plain callback is called at once; a PostingCompletion alone posts") {
  CompletionBatch<int> batch;
  int seen = -1;
  std::function<void(int)> plain = [&](int v) { seen = v; };
  batch.add(plain, 7);
  CHECK(seen == 7);

  asio::io_context io;
  std::vector<std::function<void(int)>> callbacks;
  std::vector<std::string> got;
  spawn_waiter(io, callbacks, got, "w");
  io.poll();
  REQUIRE(callbacks.size() == 1);
  callbacks[0](5);  // called directly (timeouts, shutdown): posts to the waiter's executor
  CHECK(got.empty());
  io.restart();
  io.poll();
  CHECK(got == std::vector<std::string>{"w=5"});
}

TEST_CASE("completion batch: destroying the batch posts what was added") {
  asio::io_context io;
  std::vector<std::function<void(int)>> callbacks;
  std::vector<std::string> got;
  spawn_waiter(io, callbacks, got, "w");
  io.poll();
  {
    CompletionBatch<int> batch;
    batch.add(callbacks[0], 9);
  }
  io.restart();
  io.poll();
  CHECK(got == std::vector<std::string>{"w=9"});
}
