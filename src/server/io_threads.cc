#include "server/io_threads.h"

#include <boost/asio/executor_work_guard.hpp>
#include <string>
#include <thread>

#include "util/fail_stop.h"

namespace larch::server {

IoThreads::IoThreads(int count) {
  for (int i = 0; i < count; ++i) {
    contexts_.push_back(std::make_unique<boost::asio::io_context>(1));
    ptrs_.push_back(contexts_.back().get());
  }
}

void IoThreads::run() {
  std::vector<std::thread> threads;
  for (size_t i = 1; i < contexts_.size(); ++i) {
    threads.emplace_back([this, i] {
      auto guard = boost::asio::make_work_guard(*contexts_[i]);
      util::run_fail_stop(*contexts_[i], "larch-io" + std::to_string(i));
    });
  }
  util::run_fail_stop(*contexts_[0], "larch-io0");
  stop();
  for (auto& t : threads) t.join();
}

void IoThreads::stop() {
  for (auto& c : contexts_) c->stop();
}

}  // namespace larch::server
