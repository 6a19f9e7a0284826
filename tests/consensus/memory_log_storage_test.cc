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

TEST_CASE("memory log storage: install_snapshot on a fresh log", "[storage]") {
  MemoryLogStorage s;
  s.install_snapshot(10, 3);
  REQUIRE(s.first_index() == 11);
  REQUIRE(s.last_index() == 10);
  REQUIRE(s.snapshot_index() == 10);
  REQUIRE(s.term(10) == 3u);
  REQUIRE_FALSE(s.term(9));
  REQUIRE_FALSE(s.term(0));
  REQUIRE_FALSE(s.term(11));
  REQUIRE(s.hard_state() == HardState{0, 0, 10});
  REQUIRE(s.entries(1, 20, 100).empty());
  // Entries at or below the snapshot are ignored; the next one appends.
  s.persist({3, 1, 10}, {{3, 10, EntryType::kNormal, "old"}, {3, 11, EntryType::kNormal, "a"}});
  REQUIRE(s.last_index() == 11);
  REQUIRE(s.term(11) == 3u);
  REQUIRE(s.entries(1, 20, 100) == std::vector<Entry>{{3, 11, EntryType::kNormal, "a"}});
  REQUIRE(s.all_entries().size() == 1);
  // Replacing from the first held index still works.
  s.persist({4, 1, 10}, {{4, 11, EntryType::kNormal, "b"}, {4, 12, EntryType::kNormal, "c"}});
  REQUIRE(s.entries(11, 13, 100).size() == 2);
  REQUIRE(s.term(12) == 4u);
}

TEST_CASE("memory log storage: install_snapshot drops entries below and beyond", "[storage]") {
  uint64_t index = GENERATE(5, 10, 20);  // inside, at the end of, beyond the held log
  MemoryLogStorage s;
  std::vector<Entry> es;
  for (uint64_t i = 1; i <= 10; ++i)
    es.push_back(Entry{i <= 6 ? 1u : 2u, i, EntryType::kNormal, ""});
  s.persist({2, 1, 7}, es);
  s.install_snapshot(index, 7);
  REQUIRE(s.first_index() == index + 1);
  REQUIRE(s.last_index() == index);
  REQUIRE(s.term(index) == 7u);
  REQUIRE_FALSE(s.term(index - 1));
  REQUIRE_FALSE(s.term(index + 1));
  REQUIRE(s.entries(1, 100, 1000).empty());
  REQUIRE(s.hard_state() == HardState{2, 1, std::max<uint64_t>(7, index)});
  s.persist(s.hard_state(), {{8, index + 1, EntryType::kNormal, "n"}});
  REQUIRE(s.last_index() == index + 1);
  REQUIRE(s.entries(index + 1, index + 2, 0).size() == 1);
  // A later snapshot below the held suffix drops it too.
  s.install_snapshot(index + 5, 9);
  REQUIRE(s.first_index() == index + 6);
  REQUIRE(s.last_index() == index + 5);
  REQUIRE(s.term(index + 5) == 9u);
}
