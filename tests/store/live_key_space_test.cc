// The in-memory key space (MemTree, LiveKeySpace): structure rules, and a randomized
// comparison with keys.db (every StoreFixture::get checks memory against the file).
#include "store/live_key_space.h"

#include <catch2/catch.hpp>
#include <random>

#include "store/mem_tree.h"
#include "store_test_util.h"

using namespace larch::store;
using namespace larch::store::test;

namespace {

NodeRow row(std::string key, bool dir, std::string value = "", uint64_t index = 1) {
  return NodeRow{std::move(key), dir, std::move(value), std::nullopt, index, index};
}

}  // namespace

TEST_CASE("MemTree: put needs a directory parent; remove takes the subtree", "[live]") {
  MemTree t;
  REQUIRE(t.find("/") == &t.root());
  REQUIRE(t.find("/a") == nullptr);
  REQUIRE_FALSE(t.put(row("/a/b", false)));  // no parent
  REQUIRE_FALSE(t.put(row("/", true)));      // the root is never stored
  REQUIRE(t.put(row("/a", true)));
  REQUIRE(t.put(row("/a/b", false, "v")));
  REQUIRE(t.put(row("/a/c", true)));
  REQUIRE(t.put(row("/a/c/d", false, "w")));
  REQUIRE_FALSE(t.put(row("/a/b/x", false)));  // parent is a file
  REQUIRE(t.size() == 4);
  REQUIRE(t.find("/a/c/d")->value == "w");
  REQUIRE(t.find("/a/c/") == nullptr);
  REQUIRE(t.find("a") == nullptr);
  // Overwriting keeps the children, like the table's upsert.
  REQUIRE(t.put(row("/a", true, "", 7)));
  REQUIRE(t.find("/a")->modified == 7);
  REQUIRE(t.find("/a/b") != nullptr);
  t.remove("/a/c");
  REQUIRE(t.size() == 2);
  REQUIRE(t.find("/a/c/d") == nullptr);
  t.remove("/nothing");
  t.remove("/");
  REQUIRE(t.size() == 2);
  t.clear();
  REQUIRE(t.size() == 0);
  REQUIRE(t.find("/a") == nullptr);
}

TEST_CASE("MemTree children come out in byte order by level", "[live]") {
  MemTree t;
  for (const char* k : {"/s", "/s/b", "/s/b-x", "/s/a", "/s/\xff", "/s/B"}) {
    REQUIRE(t.put(row(k, std::string(k) == "/s" || std::string(k) == "/s/b")));
  }
  std::vector<std::string> keys;
  for (const auto& [k, n] : t.find("/s")->children) keys.push_back(k);
  REQUIRE(keys == std::vector<std::string>{"/s/B", "/s/a", "/s/b", "/s/b-x", "/s/\xff"});
}

TEST_CASE("LiveKeySpace answers like keys.db across random operations", "[live]") {
  // 3,000 random commands over a small key space (so they collide: dirs vs files, deep
  // deletes, CAS failures, TTL expiry); after each, GETs of random keys, the root, recursive
  // listings and hidden keys must render identically from memory and from the file.
  std::mt19937_64 rng(GENERATE(1u, 2u, 3u));
  StoreFixture f;
  int64_t now = kNow;
  for (int step = 0; step < 3000; ++step) {
    now += kSec / 10;
    Command c = random_command(rng, step, now, f.index());
    f.run(c);
    f.get(random_key(rng), rng() % 2 == 0, now);
    if (step % 50 == 0) {
      f.get("/", true, now);
      f.get("/", false, now);
      f.get("/q", true, now);
    }
  }
  REQUIRE(f.store->live().etcd_index() == f.index());
}

TEST_CASE("The in-memory key space is reloaded on open and lost with an open batch", "[live]") {
  TempDir dir;
  std::string path = dir.file("kv.db");
  {
    auto store = KeyStore::open(path, 100);
    store->begin_batch();
    store->apply(1, cmd(OpType::kSet, "/d/a", "1"));
    store->apply(2, cmd(OpType::kSet, "/d/_h", "2"));
    store->commit_batch();
    store->begin_batch();
    store->apply(3, cmd(OpType::kSet, "/d/b", "3"));
    REQUIRE(store->live().get("/d/b", false, kNow).error_code == 0);  // applied: visible
    // destroyed without commit_batch: as if the process died here
  }
  auto store = KeyStore::open(path, 100);
  auto reader = KeyReader::open(path);
  REQUIRE(store->live().get("/d/b", false, kNow).error_code == 100);
  REQUIRE(store->live().etcd_index() == 2);  // /d/a (with /d) + /d/_h
  for (bool rec : {false, true}) {
    REQUIRE(store->live().get("/", rec, kNow).body == reader->get("/", rec, true, kNow).body);
  }
}
