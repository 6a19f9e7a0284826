#include "store/sqlite_log_storage.h"

#include <catch2/catch.hpp>

#include "store_test_util.h"

using namespace larch::store;
using larch::consensus::Entry;
using larch::consensus::EntryType;
using larch::consensus::HardState;

namespace {

std::vector<Entry> make(uint64_t from, uint64_t to, uint64_t term, size_t size = 10) {
  std::vector<Entry> out;
  for (uint64_t i = from; i <= to; ++i) {
    out.push_back(
        Entry{term, i, EntryType::kNormal, std::string(size, static_cast<char>('a' + i % 26))});
  }
  return out;
}

}  // namespace

TEST_CASE("fresh log: empty, term(0) = 0", "[log]") {
  test::TempDir dir;
  SqliteLogStorage log(dir.file("log.db"));
  REQUIRE(log.first_index() == 1);
  REQUIRE(log.last_index() == 0);
  REQUIRE(log.term(0) == 0u);
  REQUIRE_FALSE(log.term(1));
  REQUIRE(log.hard_state() == HardState{});
  REQUIRE(log.entries(1, 5, 1000).empty());
}

TEST_CASE("persist, read back, reopen", "[log]") {
  test::TempDir dir;
  std::string path = dir.file("log.db");
  HardState hs{3, 2, 4};
  std::vector<Entry> es = make(1, 5, 1);
  es[2].type = EntryType::kConfChange;
  es[3].data = std::string("\0bin\0", 5);
  es[4].data.clear();  // a no-op entry
  {
    SqliteLogStorage log(path);
    log.persist(hs, es);
    REQUIRE(log.last_index() == 5);
    REQUIRE(log.entries(1, 6, 1 << 20) == es);
  }
  SqliteLogStorage log(path);
  REQUIRE(log.hard_state() == hs);
  REQUIRE(log.last_index() == 5);
  REQUIRE(log.entries(1, 6, 1 << 20) == es);
  REQUIRE(log.entries(2, 4, 1 << 20) == std::vector<Entry>(es.begin() + 1, es.begin() + 3));
  REQUIRE(log.term(5) == 1u);
  REQUIRE_FALSE(log.term(6));
  // hard state alone
  log.persist(HardState{4, 0, 5}, {});
  REQUIRE(log.hard_state() == HardState{4, 0, 5});
}

TEST_CASE("entries honours max_bytes but returns at least one", "[log]") {
  test::TempDir dir;
  SqliteLogStorage log(dir.file("log.db"));
  log.persist(HardState{1, 0, 0}, make(1, 10, 1, 100));
  REQUIRE(log.entries(1, 11, 0).size() == 1);
  REQUIRE(log.entries(1, 11, 250).size() == 2);
  REQUIRE(log.entries(1, 11, 300).size() == 3);
  REQUIRE(log.entries(5, 100, 1 << 20).size() == 6);  // clipped to last_index
}

TEST_CASE("a conflicting append truncates the suffix", "[log]") {
  test::TempDir dir;
  std::string path = dir.file("log.db");
  {
    SqliteLogStorage log(path);
    log.persist(HardState{1, 0, 0}, make(1, 6, 1));
    log.persist(HardState{2, 0, 0}, make(4, 5, 2));  // replaces 4..6
    REQUIRE(log.last_index() == 5);
    REQUIRE(log.term(3) == 1u);
    REQUIRE(log.term(4) == 2u);
    REQUIRE(log.term(5) == 2u);
    REQUIRE_FALSE(log.term(6));
    REQUIRE_THROWS_AS(log.persist(HardState{2, 0, 0}, make(8, 8, 2)), std::logic_error);
  }
  SqliteLogStorage log(path);
  REQUIRE(log.last_index() == 5);
  REQUIRE(log.term(3) == 1u);
  REQUIRE(log.term(4) == 2u);
  auto es = log.entries(1, 6, 1 << 20);
  REQUIRE(es.size() == 5);
  REQUIRE(es[3].term == 2);
}

TEST_CASE("compact keeps term(snapshot_index) and survives reopening", "[log]") {
  test::TempDir dir;
  std::string path = dir.file("log.db");
  {
    SqliteLogStorage log(path);
    log.persist(HardState{2, 1, 8}, make(1, 5, 1));
    log.persist(HardState{2, 1, 8}, make(6, 10, 2));
    log.compact(7, 2);
    REQUIRE(log.first_index() == 8);
    REQUIRE(log.last_index() == 10);
    REQUIRE(log.term(7) == 2u);
    REQUIRE_FALSE(log.term(6));
    REQUIRE(log.term(8) == 2u);
    REQUIRE(log.entries(5, 11, 1 << 20).empty());  // compacted range
    REQUIRE(log.entries(8, 11, 1 << 20).size() == 3);
    log.compact(3, 1);  // older than the snapshot: no-op
    REQUIRE(log.first_index() == 8);
    // entries already covered by the snapshot are ignored on append
    log.persist(HardState{2, 1, 8}, make(6, 11, 2));
    REQUIRE(log.last_index() == 11);
  }
  SqliteLogStorage log(path);
  REQUIRE(log.snapshot_index() == 7);
  REQUIRE(log.snapshot_term() == 2);
  REQUIRE(log.first_index() == 8);
  REQUIRE(log.last_index() == 11);
  REQUIRE(log.term(7) == 2u);
  REQUIRE(log.entries(8, 12, 1 << 20).size() == 4);
}

TEST_CASE("compact with a mismatching term (installed snapshot) discards the log", "[log]") {
  test::TempDir dir;
  SqliteLogStorage log(dir.file("log.db"));
  log.persist(HardState{1, 0, 0}, make(1, 5, 1));
  log.compact(4, 3);  // leader's snapshot at 4 has term 3: our entries conflict
  REQUIRE(log.first_index() == 5);
  REQUIRE(log.last_index() == 4);
  REQUIRE(log.term(4) == 3u);
  REQUIRE_FALSE(log.term(5));
  log.compact(20, 4);  // beyond the end
  REQUIRE(log.last_index() == 20);
  REQUIRE(log.term(20) == 4u);
  log.persist(HardState{4, 0, 20}, make(21, 21, 4));
  REQUIRE(log.term(21) == 4u);
}

TEST_CASE("compacted rows leave the file a chunk per later append", "[log]") {
  test::TempDir dir;
  std::string path = dir.file("log.db");
  {
    SqliteLogStorage log(path);
    log.persist(HardState{1, 1, 1000}, make(1, 1000, 1));
    log.compact(900, 1);
    // Gone for every reader at once, still in the file: the compaction deleted no rows.
    REQUIRE(log.first_index() == 901);
    REQUIRE(log.entries(1, 901, 1 << 20).empty());
    REQUIRE(log.dead_rows() == 900);
    log.persist(HardState{1, 1, 1000}, make(1001, 1010, 1));
    REQUIRE(log.dead_rows() == 900 - (10 + 32));  // the appended count and a margin
    REQUIRE(log.entries(901, 1011, 1 << 20).size() == 110);
  }
  // Reopening skips the rows left below the snapshot and goes on trimming them.
  SqliteLogStorage log(path);
  REQUIRE(log.first_index() == 901);
  REQUIRE(log.last_index() == 1010);
  REQUIRE(log.dead_rows() == 900 - 42);
  REQUIRE(log.entries(901, 1011, 1 << 20).size() == 110);
  for (uint64_t i = 1011; log.dead_rows() > 0; ++i) {
    REQUIRE(i < 1100);
    log.persist(HardState{1, 1, i}, make(i, i, 1));
  }
  REQUIRE(log.entries(901, 1100, 1 << 20).front().index == 901);
  // A second compaction while nothing is left over.
  log.compact(1000, 1);
  REQUIRE(log.dead_rows() == 100);
}

TEST_CASE("an installed snapshot drops the entries above it at once, those below lazily", "[log]") {
  test::TempDir dir;
  std::string path = dir.file("log.db");
  {
    SqliteLogStorage log(path);
    log.persist(HardState{1, 0, 3}, make(1, 50, 1));
    log.install_snapshot(20, 2);
    REQUIRE(log.first_index() == 21);
    REQUIRE(log.last_index() == 20);
    REQUIRE(log.dead_rows() == 20);
    // The old rows 21..50 must not survive: appending 21.. would otherwise collide with them.
    log.persist(HardState{2, 0, 20}, make(21, 25, 2));
    REQUIRE(log.term(25) == 2u);
    REQUIRE(log.dead_rows() == 0);  // 20 rows <= 5 appended + the margin
  }
  SqliteLogStorage log(path);
  REQUIRE(log.first_index() == 21);
  REQUIRE(log.last_index() == 25);
  auto es = log.entries(21, 26, 1 << 20);
  REQUIRE(es.size() == 5);
  REQUIRE(es.front().term == 2u);
}
