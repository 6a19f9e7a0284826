// LeaderAffinity: when a follower asks for the leadership because it takes the writes.
#include "server/leader_affinity.h"

#include <catch2/catch.hpp>

#include "../time_units.h"

using larch::server::LeaderAffinity;

namespace {

using larch::test::kMs;

// Feeds `windows` windows of 250 ms in which this member forwarded `forwarded` writes and
// the cluster committed `committed` entries; returns how many times it said "ask".
int run(LeaderAffinity& a, int64_t& now, uint64_t& commit, int windows, uint64_t forwarded,
        uint64_t committed, bool follower = true) {
  int asks = 0;
  for (int w = 0; w < windows; ++w) {
    a.on_forwarded(forwarded);
    commit += committed;
    now += 250 * kMs;
    if (a.should_ask(now, follower, commit)) ++asks;
  }
  return asks;
}

}  // namespace

TEST_CASE("a follower that forwards most writes asks after two windows", "[affinity]") {
  LeaderAffinity a({});
  int64_t now = 1000 * kMs;
  uint64_t commit = 50;
  REQUIRE_FALSE(a.should_ask(now, true, commit));  // starts the first window
  REQUIRE(run(a, now, commit, 1, 900, 1000) == 0);
  REQUIRE(run(a, now, commit, 1, 900, 1000) == 1);
  // Cooldown: it keeps qualifying but does not ask again for 30 s ...
  REQUIRE(run(a, now, commit, 100, 900, 1000) == 0);
  // ... and asks once more after it (still a follower: the handover did not happen).
  REQUIRE(run(a, now, commit, 30, 900, 1000) == 1);
}

TEST_CASE("shared, small or leader-side write loads never ask", "[affinity]") {
  LeaderAffinity a({});
  int64_t now = 0;
  uint64_t commit = 0;
  a.should_ask(now, true, commit);
  SECTION("half the writes come through another member") {
    REQUIRE(run(a, now, commit, 200, 500, 1000) == 0);
  }
  SECTION("too few writes to matter") {
    REQUIRE(run(a, now, commit, 200, 99, 99) == 0);
  }
  SECTION("not a follower (leader, or no leader known)") {
    REQUIRE(run(a, now, commit, 200, 900, 1000, false) == 0);
  }
  SECTION("windows must be consecutive") {
    for (int i = 0; i < 50; ++i) {
      REQUIRE(run(a, now, commit, 1, 900, 1000) == 0);
      REQUIRE(run(a, now, commit, 1, 100, 1000) == 0);
    }
  }
}

TEST_CASE("a window ends only after its length, and a lower commit index restarts it",
          "[affinity]") {
  LeaderAffinity a({});
  int64_t now = 0;
  uint64_t commit = 1000;
  a.should_ask(now, true, commit);
  a.on_forwarded(900);
  REQUIRE_FALSE(a.should_ask(now + 100 * kMs, true, commit + 1000));  // window still open
  REQUIRE_FALSE(a.should_ask(now + 250 * kMs, true, commit + 1000));  // 1st qualifying
  a.on_forwarded(900);
  // A commit index below the window's start (a snapshot of another history) begins anew
  // instead of computing a negative share: the streak starts over.
  REQUIRE_FALSE(a.should_ask(now + 500 * kMs, true, 10));
  a.on_forwarded(900);
  REQUIRE_FALSE(a.should_ask(now + 750 * kMs, true, 1010));  // 1st qualifying again
  a.on_forwarded(900);
  REQUIRE(a.should_ask(now + 1000 * kMs, true, 2010));
}
