#pragma once
// Nanosecond units for the tests' clocks (Larch counts time in ns) and one fixed start instant.
// Shared so that test files built into one translation unit (CMake's unity build) agree.
#include <cstdint>

namespace larch::test {

inline constexpr int64_t kMs = 1'000'000;
inline constexpr int64_t kSec = 1000 * kMs;
inline constexpr int64_t kStart = 1'795'263'048LL * kSec;  // 2026-11-21T12:10:48Z

}  // namespace larch::test
