// etcd's --strict-reconfig-check: the started-quorum and the connectivity rules.
#include "http/reconfig_check.h"

#include <catch2/catch.hpp>

#include "../time_units.h"

using namespace larch::http;

namespace {

// Members 1..n; the first `started` of them have published their name.
std::vector<MemberInfo> cluster(size_t n, size_t started) {
  std::vector<MemberInfo> out;
  for (size_t i = 1; i <= n; ++i) {
    MemberInfo m;
    m.id = i;
    if (i <= started) m.name = "m" + std::to_string(i);
    out.push_back(m);
  }
  return out;
}

}  // namespace

TEST_CASE("adding a voter needs a started quorum of the grown cluster", "[reconfig]") {
  REQUIRE(ready_to_add_voter(cluster(1, 1)));        // 1 -> 2: etcd's restore case
  REQUIRE_FALSE(ready_to_add_voter(cluster(2, 1)));  // 3 members, 1 started < 2
  REQUIRE(ready_to_add_voter(cluster(3, 3)));        // 4 members, 3 started >= 3
  REQUIRE(ready_to_add_voter(cluster(4, 3)));        // 5 members, 3 started >= 3
  REQUIRE_FALSE(ready_to_add_voter(cluster(5, 3)));  // 6 members, 3 started < 4
  REQUIRE_FALSE(ready_to_add_voter(cluster(2, 0)));
}

TEST_CASE("removing a voter needs a started quorum of the others", "[reconfig]") {
  // One started member and one added that never ran: removing the started one leaves none.
  REQUIRE_FALSE(ready_to_remove_voter(cluster(2, 1), 1));
  REQUIRE(ready_to_remove_voter(cluster(2, 1), 2));
  REQUIRE(ready_to_remove_voter(cluster(3, 3), 3));
  // 5 members, 3 started: removing a started one leaves 2 of 4 started < 3.
  REQUIRE_FALSE(ready_to_remove_voter(cluster(5, 3), 1));
  REQUIRE(ready_to_remove_voter(cluster(5, 3), 5));  // 3 of 4 started
}

namespace {

using larch::test::kSec;

}  // namespace

TEST_CASE("adding a voter needs self connected to every other member for 5 s", "[reconfig]") {
  auto ms = cluster(3, 3);  // self is member 1
  REQUIRE(connected_to_all(ms, 1, {{2, 6 * kSec}, {3, 5 * kSec}}));
  REQUIRE_FALSE(connected_to_all(ms, 1, {{2, 6 * kSec}, {3, 4 * kSec}}));  // 3 just came back
  REQUIRE_FALSE(connected_to_all(ms, 1, {{2, 6 * kSec}, {3, 0}}));         // 3 is down
  REQUIRE_FALSE(connected_to_all(ms, 1, {{2, 6 * kSec}}));                 // no sender for 3
  REQUIRE(connected_to_all(cluster(1, 1), 1, {}));                         // alone: vacuous
  // An added member that never started is never connected: no second add (etcd refuses it).
  REQUIRE_FALSE(connected_to_all(cluster(4, 3), 1, {{2, 9 * kSec}, {3, 9 * kSec}, {4, 0}}));
}

TEST_CASE("removing a voter keeps a connected quorum; a down member is always removable",
          "[reconfig]") {
  auto ms = cluster(3, 3);  // self is member 1
  std::vector<PeerActivity> all_up{{2, 9 * kSec}, {3, 9 * kSec}};
  REQUIRE(connected_quorum_after_removal(ms, 1, 2, all_up));
  REQUIRE(connected_quorum_after_removal(ms, 1, 1, all_up));  // self
  // Member 3 is down: removing it is fine, removing the live follower 2 would leave 1 of 2.
  std::vector<PeerActivity> three_down{{2, 9 * kSec}, {3, 0}};
  REQUIRE(connected_quorum_after_removal(ms, 1, 3, three_down));
  REQUIRE_FALSE(connected_quorum_after_removal(ms, 1, 2, three_down));
  // Removing self with 3 down: active 2 (self, 2), less one = 1 < 2.
  REQUIRE_FALSE(connected_quorum_after_removal(ms, 1, 1, three_down));
  // 3 reachable but for less than 5 s: it counts as not connected, yet is not "down".
  std::vector<PeerActivity> three_new{{2, 9 * kSec}, {3, 2 * kSec}};
  REQUIRE_FALSE(connected_quorum_after_removal(ms, 1, 2, three_new));
  REQUIRE_FALSE(connected_quorum_after_removal(ms, 1, 3, three_new));  // etcd's quirk
  // 5 members, one down: removing a live one leaves 4 active - 1 = 3 >= 3.
  auto five = cluster(5, 5);
  REQUIRE(connected_quorum_after_removal(five, 1, 2,
                                         {{2, 9 * kSec}, {3, 9 * kSec}, {4, 9 * kSec}, {5, 0}}));
}
