// TrafficMeter: totals, and rates of the last complete second only.
#include "server/traffic_meter.h"

#include <catch2/catch.hpp>

#include "../time_units.h"

using larch::server::TrafficMeter;

namespace {
using larch::test::kSec;
constexpr int64_t kT0 = 1'795'000'000 * kSec;
}  // namespace

TEST_CASE("traffic meter reports the last complete second", "[traffic_meter]") {
  TrafficMeter m;
  REQUIRE(m.read(kT0).count == 0);
  m.add(3, 300, kT0 + 100);
  m.add(2, 200, kT0 + kSec / 2);
  auto r = m.read(kT0 + kSec / 2);
  REQUIRE(r.count == 5);
  REQUIRE(r.pkg_rate == 0);  // the current second is not complete yet
  r = m.read(kT0 + kSec + 1);
  REQUIRE(r.pkg_rate == 5);
  REQUIRE(r.bandwidth_rate == 500);
  m.add(1, 10, kT0 + kSec + 2);
  r = m.read(kT0 + kSec + 3);
  REQUIRE(r.pkg_rate == 5);  // still the previous complete second
  r = m.read(kT0 + 2 * kSec);
  REQUIRE(r.pkg_rate == 1);
  REQUIRE(r.bandwidth_rate == 10);
  r = m.read(kT0 + 5 * kSec);  // silence: rate falls to zero, total stays
  REQUIRE(r.pkg_rate == 0);
  REQUIRE(r.count == 6);
}
