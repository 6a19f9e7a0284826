// etcd's --strict-reconfig-check started-quorum rule.
#include "http/reconfig_check.h"

#include <catch2/catch.hpp>

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
