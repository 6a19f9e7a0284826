#pragma once
// The steady (monotonic) clock as integer nanoseconds, for times kept in atomics or compared
// across threads (e.g. since when a peer has been reachable). Never 0 in practice: the steady
// clock counts from boot.
#include <chrono>
#include <cstdint>

namespace larch::util {

inline int64_t steady_now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace larch::util
