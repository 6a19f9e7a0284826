#include "consensus/memory_log_storage.h"

#include <catch2/catch.hpp>

using namespace larch::consensus;

TEST_CASE("memory log storage appends, truncates and limits bytes", "[storage]") {
  MemoryLogStorage s;
  REQUIRE(s.first_index() == 1);
  REQUIRE(s.last_index() == 0);
  REQUIRE(s.term(0) == 0u);
  REQUIRE_FALSE(s.term(1));

  s.persist({1, 2, 0}, {{1, 1, EntryType::kNormal, "aa"},
                        {1, 2, EntryType::kNormal, "bb"},
                        {2, 3, EntryType::kNormal, "cc"}});
  REQUIRE(s.hard_state() == HardState{1, 2, 0});
  REQUIRE(s.last_index() == 3);
  REQUIRE(s.term(3) == 2u);
  REQUIRE(s.entries(1, 4, 100).size() == 3);
  REQUIRE(s.entries(1, 4, 4).size() == 2);
  REQUIRE(s.entries(1, 4, 0).size() == 1);  // always at least one

  // Replacing from index 2 drops the old suffix.
  s.persist({3, 0, 1}, {{3, 2, EntryType::kNormal, "x"}});
  REQUIRE(s.last_index() == 2);
  REQUIRE(s.term(2) == 3u);
  REQUIRE_FALSE(s.term(3));
  REQUIRE(s.hard_state().commit == 1);
}
