#pragma once
// The tests' one bounded wait: polls a condition until it holds or a deadline passes.
#include <chrono>
#include <thread>

namespace larch::testing {

// Polls `pred` until it holds or `timeout` passes; returns its final value. The short poll
// interval is not an assertion: only the deadline bounds the test.
template <class Pred>
bool wait_until(Pred pred, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() >= deadline) return pred();
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

}  // namespace larch::testing
