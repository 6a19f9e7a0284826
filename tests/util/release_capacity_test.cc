#include "util/release_capacity.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

using larch::util::release_capacity_over;

TEST_CASE("release_capacity_over frees only storage grown past the bound", "[util]") {
  std::vector<int> small;
  small.reserve(16);
  small.push_back(7);
  release_capacity_over(small, 16);
  REQUIRE(small.size() == 1);  // within the bound: untouched, contents and capacity
  REQUIRE(small.capacity() >= 16);

  std::vector<int> big(100, 1);
  release_capacity_over(big, 16);
  REQUIRE(big.empty());
  REQUIRE(big.capacity() < 100);

  std::string s(1000, 'x');
  release_capacity_over(s, 64);
  REQUIRE(s.empty());
  REQUIRE(s.capacity() <= 64);
}
