// keys.db follows the in-memory key space behind (PendingWrites, WriteQueue, KeyStore::flush):
// what the file holds at any point, the watch-history search over queue and file, and the
// in-memory TTL index, checked against the file.
#include <catch2/catch.hpp>
#include <filesystem>
#include <random>

#include "store/pending_writes.h"
#include "store/sqlite_db.h"
#include "store/write_queue.h"
#include "store_test_util.h"

using namespace larch::store;
using namespace larch::store::test;

namespace {

// removal = a directory removed (reaches watchers below it too).
Event event(uint64_t index, std::string key, bool removal = false) {
  Event e;
  e.index = index;
  e.key = std::move(key);
  e.removal = removal;
  e.dir = removal;
  e.json = "{\"i\":" + std::to_string(index) + "}\n";
  return e;
}

PendingWrites batch(std::initializer_list<Event> events, uint64_t etcd_index) {
  PendingWrites b;
  for (const Event& e : events) b.append_event(HistoryKind::kEvent, e);
  b.set_position({etcd_index, 1, etcd_index});
  return b;
}

// The file's TTL rows, as the in-memory index orders them.
std::vector<std::pair<std::string, int64_t>> file_ttl_nodes(const std::string& path) {
  SqliteDb db(path, SqliteDb::Mode::kReadOnly);
  Statement st = db.prepare(
      "SELECT key, expiration FROM nodes WHERE expiration IS NOT NULL ORDER BY expiration, key");
  auto q = st.use();
  std::vector<std::pair<std::string, int64_t>> out;
  while (q.step()) out.emplace_back(std::string(q.col_blob(0)), q.col_int(1));
  return out;
}

}  // namespace

TEST_CASE("WriteQueue: history search spans the file and the queued batches", "[writebehind]") {
  WriteQueue q(100);
  q.reset(4);  // the file holds indexes 1..4
  REQUIRE(q.covered_from() == 5);
  q.push(batch({event(5, "/a"), event(6, "/b")}, 6));
  q.push(batch({event(7, "/a/x", true)}, 7));
  std::vector<std::pair<uint64_t, uint64_t>> table_calls;
  HistoryResult in_file;
  in_file.kind = HistoryResult::Kind::kFound;
  in_file.index = 3;
  in_file.json = "file\n";
  auto table = [&](uint64_t from, uint64_t to) {
    table_calls.emplace_back(from, to);
    return from <= 3 && 3 <= to ? in_file : HistoryResult{};
  };
  // Window entirely in the queue: the file is not asked.
  HistoryResult r = q.find("/b", false, 5, 7, table);
  REQUIRE(r.kind == HistoryResult::Kind::kFound);
  REQUIRE(r.index == 6);
  REQUIRE(table_calls.empty());
  // Below covered_from the file answers first, for its part of the window only.
  r = q.find("/a", false, 2, 7, table);
  REQUIRE(r.index == 3);
  REQUIRE(r.json == "file\n");
  REQUIRE(table_calls.back() == std::make_pair(uint64_t{2}, uint64_t{4}));
  r = q.find("/a", false, 4, 7, table);  // file has nothing in [4, 4]
  REQUIRE(r.index == 5);
  // A removal of an ancestor reaches a watcher below it; nothing matches: kNone.
  REQUIRE(q.find("/a/x/y", false, 6, 7, table).index == 7);
  REQUIRE(q.find("/zzz", true, 5, 7, table).kind == HistoryResult::Kind::kNone);
  // The file takes the first batch: the queue now covers 7 on.
  REQUIRE(q.peek_all().size() == 2);
  q.drop_flushed(1);
  REQUIRE(q.covered_from() == 7);
  REQUIRE(q.size() == 1);
  table_calls.clear();
  q.find("/b", false, 5, 7, table);
  REQUIRE(table_calls.back() == std::make_pair(uint64_t{5}, uint64_t{6}));
}

TEST_CASE("WriteQueue: indexes older than the history limit are cleared", "[writebehind]") {
  WriteQueue q(3);
  q.reset(0);
  q.push(batch({event(1, "/a"), event(2, "/a"), event(3, "/a"), event(4, "/a")}, 4));
  auto none = [](uint64_t, uint64_t) { return HistoryResult{}; };
  HistoryResult r = q.find("/a", false, 1, 4, none);
  REQUIRE(r.kind == HistoryResult::Kind::kCleared);
  REQUIRE(r.oldest == 2);
  REQUIRE(q.find("/a", false, 2, 4, none).index == 2);
}

TEST_CASE("WriteQueue: footprint counts what the queued batches hold", "[writebehind]") {
  WriteQueue q(100);
  q.reset(0);
  REQUIRE(q.footprint() == 0);
  PendingWrites small = batch({event(1, "/a")}, 1);
  PendingWrites big = batch({event(2, "/b"), event(3, std::string(5000, 'k'))}, 3);
  size_t small_bytes = small.footprint(), big_bytes = big.footprint();
  REQUIRE(big_bytes > 5000);
  REQUIRE(big_bytes > small_bytes);
  q.push(std::move(small));
  q.push(std::move(big));
  REQUIRE(q.footprint() == small_bytes + big_bytes);
  q.drop_flushed(1);
  REQUIRE(q.footprint() == big_bytes);
  q.reset(3);
  REQUIRE(q.footprint() == 0);
}

TEST_CASE("keys.db holds exactly the flushed batches", "[writebehind]") {
  StoreFixture f;
  f.auto_flush = false;
  f.set("/k1", "1");
  REQUIRE(f.flush());
  f.set("/k2", "2");
  f.set("/k1", "changed");
  REQUIRE(f.store->flushed_index() == 1);
  REQUIRE(f.store->live().get("/k2", false, kNow).error_code == 0);
  // The disk as a crash would leave it now: the file and its WAL, copied.
  std::string copy = f.dir.file("crash.db");
  for (const char* suffix : {"", "-wal"}) {
    if (std::filesystem::exists(f.path + suffix)) {
      std::filesystem::copy_file(f.path + suffix, copy + suffix);
    }
  }
  auto crashed = KeyStore::open(copy, 1000);
  REQUIRE(crashed->applied_index() == 1);
  REQUIRE(crashed->live().get("/k2", false, kNow).error_code == 100);
  REQUIRE(crashed->live().get("/k1", false, kNow).body.find("\"value\":\"1\"") !=
          std::string::npos);
  // Replaying the lost entries (as the raft log does) gives the same key space.
  crashed->begin_batch();
  crashed->apply(2, cmd(OpType::kSet, "/k2", "2"));
  crashed->apply(3, cmd(OpType::kSet, "/k1", "changed"));
  crashed->commit_batch();
  REQUIRE(crashed->live().get("/", true, kNow).body == f.store->live().get("/", true, kNow).body);
  // sync() flushes, and leaves nothing queued.
  f.store->sync();
  REQUIRE(f.store->flushed_index() == 3);
  REQUIRE_FALSE(f.flush());
}

TEST_CASE("Watch history and TTL index agree with keys.db at random flush points",
          "[writebehind]") {
  // Random commands, flushed at random points (1 to 8 batches at a time). Before each flush,
  // history searches over queue + file must give what the file alone gives after it; after
  // each flush, the in-memory TTL index must equal the file's expiring rows.
  std::mt19937_64 rng(GENERATE(11u, 12u, 13u));
  StoreFixture f(60);  // small history limit: cleared answers too
  f.auto_flush = false;
  int64_t now = kNow;
  int until_flush = 1;
  for (int step = 0; step < 2000; ++step) {
    now += kSec / 10;
    f.run(random_command(rng, step, now, f.index()));
    if (--until_flush > 0) continue;
    until_flush = 1 + static_cast<int>(rng() % 8);
    struct Query {
      std::string key;
      bool recursive;
      uint64_t from;
      HistoryResult before;
    };
    std::vector<Query> queries;
    uint64_t to = f.index();
    for (int i = 0; i < 4; ++i) {
      Query qy{random_key(rng), rng() % 2 == 0, 1 + rng() % (to + 1), {}};
      if (i == 0) qy.from = to > 6 ? to - 6 : 1;  // recent: usually in the queue
      qy.before = f.store->live().history().find(
          qy.key, qy.recursive, qy.from, to,
          [&](uint64_t a, uint64_t b) { return f.reader->find_event(qy.key, qy.recursive, a, b); });
      queries.push_back(std::move(qy));
    }
    f.flush();
    for (const Query& qy : queries) {
      HistoryResult after = f.reader->find_event(qy.key, qy.recursive, qy.from, to);
      INFO(qy.key << " recursive=" << qy.recursive << " from=" << qy.from << " to=" << to);
      REQUIRE(static_cast<int>(qy.before.kind) == static_cast<int>(after.kind));
      REQUIRE(qy.before.index == after.index);
      REQUIRE(qy.before.json == after.json);
      REQUIRE(qy.before.oldest == after.oldest);
    }
    REQUIRE(f.store->ttl_nodes() == file_ttl_nodes(f.path));
    f.get("/", true, now);
  }
}
