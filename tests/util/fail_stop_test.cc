#include "util/fail_stop.h"

#include <pthread.h>

#include <boost/asio/post.hpp>
#include <catch2/catch.hpp>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using larch::util::run_fail_stop;
namespace asio = boost::asio;

namespace {

// Runs `ioc` fail-stop on a thread of its own; returns every line handed to the stop hook.
std::vector<std::string> run_on_thread(asio::io_context& ioc, const std::string& name) {
  std::vector<std::string> stops;
  std::thread t(
      [&] { run_fail_stop(ioc, name, [&](const std::string& why) { stops.push_back(why); }); });
  t.join();
  return stops;
}

}  // namespace

TEST_CASE("run_fail_stop: a loop that ends normally is not a failure", "[fail_stop]") {
  asio::io_context ioc;
  int ran = 0;
  asio::post(ioc, [&] { ++ran; });
  asio::post(ioc, [&] { ++ran; });
  REQUIRE(run_on_thread(ioc, "larch-test").empty());
  REQUIRE(ran == 2);
}

TEST_CASE("run_fail_stop: an escaping exception stops with the thread and the cause",
          "[fail_stop]") {
  asio::io_context ioc;
  bool after = false;
  asio::post(ioc,
             [] { throw std::runtime_error("sqlite step: database or disk is full [COMMIT]"); });
  asio::post(ioc, [&] { after = true; });
  std::vector<std::string> stops = run_on_thread(ioc, "larch-raft");
  REQUIRE(stops.size() == 1);
  CHECK(stops[0].find("fatal: thread larch-raft failed: sqlite step: database or disk is full "
                      "[COMMIT]") == 0);
  CHECK(stops[0].find("restart the member") != std::string::npos);
  CHECK_FALSE(after);  // no handler runs after the failure
}

TEST_CASE("run_fail_stop: a non-standard exception is reported too", "[fail_stop]") {
  asio::io_context ioc;
  asio::post(ioc, [] { throw 42; });
  std::vector<std::string> stops = run_on_thread(ioc, "larch-apply");
  REQUIRE(stops.size() == 1);
  CHECK(stops[0].find("fatal: thread larch-apply failed: an unknown exception") == 0);
}

TEST_CASE("run_fail_stop: names the thread (cut to the kernel's 15 characters)", "[fail_stop]") {
  asio::io_context ioc;
  std::string seen;
  asio::post(ioc, [&] {
    char name[32] = {};
    pthread_getname_np(pthread_self(), name, sizeof name);
    seen = name;
  });
  REQUIRE(run_on_thread(ioc, "larch-a-very-long-thread-name").empty());
  CHECK(seen == "larch-a-very-lo");
}
