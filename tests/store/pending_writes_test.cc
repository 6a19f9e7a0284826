// PendingWrites::write_all (a flush of several batches that skips node writes a later write
// makes moot) must leave keys.db exactly as replaying every write in order does.
#include "store/pending_writes.h"

#include <sqlite3.h>

#include <catch2/catch.hpp>
#include <random>

#include "store/schema.h"
#include "store/sqlite_db.h"
#include "store_test_util.h"

using namespace larch::store;
using namespace larch::store::test;

namespace {

// One keys.db with its tables; `rows` counts the rows SQLite inserted, changed or deleted.
struct KeysFile {
  explicit KeysFile(const std::string& path) : db(path, SqliteDb::Mode::kReadWriteCreate) {
    ensure_format(db, kKeySpaceFormat, true);
    nodes.emplace(db);
    history.emplace(db);
  }
  template <typename F>
  void in_transaction(F&& f) {
    db.exec("BEGIN");
    f();
    db.exec("COMMIT");
  }
  std::vector<NodeRow> all_nodes() { return nodes->subtree("/"); }
  int64_t events() { return db.query_int("SELECT count(*) FROM events"); }
  int64_t rows() { return sqlite3_total_changes64(db.handle()); }

  SqliteDb db;
  std::optional<NodeTable> nodes;
  std::optional<HistoryTable> history;
};

bool same(const NodeRow& a, const NodeRow& b) {
  return a.key == b.key && a.dir == b.dir && a.value == b.value && a.expiration == b.expiration &&
         a.created == b.created && a.modified == b.modified;
}

// A random write to one of a few keys in a small tree (hot keys, directories, subtrees).
void random_write(PendingWrites& b, std::mt19937_64& rng, uint64_t index) {
  static const char* const kKeys[] = {"/a", "/a/x", "/a/y", "/a/x/z", "/b", "/b/c", "/d"};
  std::string key = kKeys[rng() % std::size(kKeys)];
  std::optional<int64_t> exp;
  if (rng() % 3 == 0) exp = kNow + static_cast<int64_t>(rng() % 100);
  std::string value = "v" + std::to_string(index);
  switch (rng() % 6) {
    case 0:
    case 1:
      b.put(NodeRow{key, rng() % 4 == 0, value, exp, index, index});
      break;
    case 2:
      b.set_value(key, value, index, exp);
      break;
    case 3:
      b.set_expiration(key, exp);
      break;
    case 4:
      b.remove(key);
      break;
    default:
      b.remove_subtree(key);
      break;
  }
  Event e;
  e.index = index;
  e.key = key;
  e.json = "{\"i\":" + std::to_string(index) + "}";
  b.append_event(HistoryKind::kEvent, e);
}

}  // namespace

TEST_CASE("write_all leaves the tables as an in-order replay does", "[writebehind]") {
  TempDir dir;
  KeysFile replayed(dir.file("replayed.db")), coalesced(dir.file("coalesced.db"));
  std::mt19937_64 rng(GENERATE(1u, 2u, 3u, 4u, 5u));
  uint64_t index = 0;
  int64_t replayed_rows = 0, coalesced_rows = 0;
  for (int flush = 0; flush < 30; ++flush) {
    std::vector<PendingWrites> batches(1 + rng() % 5);
    for (auto& b : batches) {
      for (uint64_t n = rng() % 12; n > 0; --n) random_write(b, rng, ++index);
    }
    std::vector<const PendingWrites*> ptrs;
    for (const auto& b : batches) ptrs.push_back(&b);
    int64_t before = replayed.rows();
    replayed.in_transaction([&] {
      for (const auto* b : ptrs) b->write_to(*replayed.nodes, *replayed.history);
    });
    replayed_rows += replayed.rows() - before;
    before = coalesced.rows();
    coalesced.in_transaction(
        [&] { PendingWrites::write_all(ptrs, *coalesced.nodes, *coalesced.history); });
    coalesced_rows += coalesced.rows() - before;

    std::vector<NodeRow> want = replayed.all_nodes(), got = coalesced.all_nodes();
    REQUIRE(got.size() == want.size());
    for (size_t i = 0; i < want.size(); ++i) {
      INFO("flush " << flush << " row " << want[i].key);
      REQUIRE(same(got[i], want[i]));
    }
    REQUIRE(coalesced.events() == replayed.events());
  }
  // Seven keys written ~100 times per flush: most node writes were moot.
  REQUIRE(coalesced_rows < replayed_rows);
}

TEST_CASE("write_all writes a key set many times in a flush once", "[writebehind]") {
  TempDir dir;
  KeysFile file(dir.file("keys.db"));
  std::vector<PendingWrites> batches(4);
  uint64_t index = 0;
  for (auto& b : batches) {
    for (int i = 0; i < 5; ++i, ++index) {
      b.put(NodeRow{"/hot", false, "v" + std::to_string(index), std::nullopt, index, index});
    }
  }
  std::vector<const PendingWrites*> ptrs;
  for (const auto& b : batches) ptrs.push_back(&b);
  int64_t before = file.rows();
  file.in_transaction([&] { PendingWrites::write_all(ptrs, *file.nodes, *file.history); });
  REQUIRE(file.rows() - before == 1);
  std::vector<NodeRow> rows = file.all_nodes();
  REQUIRE(rows.size() == 1);
  REQUIRE(rows[0].value == "v19");
  REQUIRE(rows[0].modified == 19);
}
