// TTL rendering, clearing, expiry sweeps and the refresh rules (spec §4).
#include <catch2/catch.hpp>

#include "store_test_util.h"

using namespace larch::store;
using namespace larch::store::test;

namespace {

Command with_ttl(Command c, int64_t expiration_ns, bool refresh = false) {
  c.expiration_ns = expiration_ns;
  c.refresh = refresh;
  return c;
}

}  // namespace

TEST_CASE("ttl and expiration rendering (ceil, trailing zeros, ttl=0)", "[ttl]") {
  StoreFixture f;
  uint64_t b = f.index();
  auto r = f.run(with_ttl(cmd(OpType::kSet, "/t", "v"), kNow + 5 * kSec));
  REQUIRE(
      r.body ==
      at(R"({"action":"set","node":{"key":"/t","value":"v","expiration":"2023-11-14T22:13:25Z","ttl":5,"modifiedIndex":$1,"createdIndex":$1}})"
         "\n",
         b));
  REQUIRE(r.ttl_set == std::vector<std::pair<std::string, int64_t>>{{"/t", kNow + 5 * kSec}});
  // 1.5 s later: ceil(3.5) = 4
  REQUIRE(f.get("/t", false, kNow + 1500 * 1'000'000).find("\"ttl\":4,") != std::string::npos);
  r = f.run(with_ttl(cmd(OpType::kSet, "/frac", "v"), kNow + 5 * kSec + 450'000'000));
  REQUIRE(r.body.find(R"("expiration":"2023-11-14T22:13:25.45Z","ttl":6,)") != std::string::npos);
  r = f.run(with_ttl(cmd(OpType::kSet, "/zero", "v"), kNow));  // ttl=0: expiration, no ttl
  REQUIRE(
      r.body ==
      at(R"({"action":"set","node":{"key":"/zero","value":"v","expiration":"2023-11-14T22:13:20Z","modifiedIndex":$3,"createdIndex":$3}})"
         "\n",
         b));
  REQUIRE(f.store->next_expiration() == kNow);
  REQUIRE(f.store->ttl_nodes().size() == 3);
}

TEST_CASE("omitting the ttl on set/update/CAS makes the node permanent", "[ttl]") {
  StoreFixture f;
  f.run(with_ttl(cmd(OpType::kSet, "/k", "v"), kNow + 50 * kSec));
  auto r = f.run(cmd(OpType::kUpdate, "/k", "w"));
  REQUIRE(r.body.find("\"prevNode\":{\"key\":\"/k\",\"value\":\"v\",\"expiration\"") !=
          std::string::npos);  // prevNode shows the old TTL
  REQUIRE(r.body.substr(0, r.body.find("prevNode")).find("expiration") == std::string::npos);
  REQUIRE(f.get("/k").find("expiration") == std::string::npos);
  REQUIRE(f.store->ttl_nodes().empty());
  REQUIRE_FALSE(f.store->next_expiration());
  f.run(with_ttl(cmd(OpType::kUpdate, "/k", "x"), kNow + 50 * kSec));
  Command c = cmd(OpType::kCompareAndSwap, "/k", "y");
  c.prev_value = "x";
  f.run(c);
  REQUIRE(f.store->ttl_nodes().empty());
}

TEST_CASE("expire removes due files with one event and one index each", "[ttl]") {
  StoreFixture f;
  uint64_t b = f.index();
  f.run(with_ttl(cmd(OpType::kSet, "/exp", "v"), kNow + 432'758'291));    // $1
  f.run(with_ttl(cmd(OpType::kSet, "/early", "e"), kNow + 100'000'000));  // $2
  f.run(with_ttl(cmd(OpType::kSet, "/later", "l"), kNow + 100 * kSec));   // $3
  Command sweep = cmd(OpType::kExpire, "");
  sweep.now_ns = kNow + kSec;
  auto r = f.run(sweep);
  REQUIRE(r.error_code == 0);
  REQUIRE(r.events.size() == 2);
  REQUIRE(r.events[0].key == "/early");  // ordered by expiration
  REQUIRE(r.events[0].index == b + 4);
  REQUIRE(r.events[0].removal);
  REQUIRE(
      r.events[1].json ==
      at(R"({"action":"expire","node":{"key":"/exp","modifiedIndex":$5,"createdIndex":$1},"prevNode":{"key":"/exp","value":"v","expiration":"2023-11-14T22:13:20.432758291Z","modifiedIndex":$1,"createdIndex":$1}})"
         "\n",
         b));
  REQUIRE(f.index() == b + 5);
  REQUIRE(r.etcd_index == b + 5);
  REQUIRE(f.reader->get("/exp", false, false, kNow).error_code == 100);
  REQUIRE(f.get("/later").find("\"value\":\"l\"") != std::string::npos);
  // Nothing due: no index consumed.
  REQUIRE(f.run(sweep).events.empty());
  REQUIRE(f.index() == b + 5);
}

TEST_CASE("expiring a directory removes its subtree with a single event", "[ttl]") {
  StoreFixture f;
  uint64_t b = f.index();
  Command d = with_ttl(cmd(OpType::kSet, "/expdir"), kNow + kSec);
  d.dir = true;
  f.run(d);                                                               // $1
  f.set("/expdir/kid", "k");                                              // $2
  f.run(with_ttl(cmd(OpType::kSet, "/expdir/sub/t", "t"), kNow + kSec));  // $3, same time
  Command sweep = cmd(OpType::kExpire, "");
  sweep.now_ns = kNow + 2 * kSec;
  auto r = f.run(sweep);
  REQUIRE(r.events.size() == 1);  // /expdir/sub/t went with its ancestor: skipped
  REQUIRE(
      r.events[0].json ==
      at(R"({"action":"expire","node":{"key":"/expdir","dir":true,"modifiedIndex":$4,"createdIndex":$1},"prevNode":{"key":"/expdir","dir":true,"expiration":"2023-11-14T22:13:21Z","modifiedIndex":$1,"createdIndex":$1}})"
         "\n",
         b));
  REQUIRE(r.events[0].dir);
  REQUIRE(f.index() == b + 4);
  auto g = f.reader->get("/expdir/kid", false, false, kNow);
  REQUIRE(g.error_code == 100);
  REQUIRE(g.body.find("\"cause\":\"/expdir\"") != std::string::npos);
  REQUIRE(f.store->ttl_nodes().empty());
}

TEST_CASE("refresh rules of spec §4.4", "[ttl][refresh]") {
  StoreFixture f;
  uint64_t b = f.index();
  f.set("/r", "keep");  // $1

  SECTION("refresh + prevExist=true: update, value kept, no event") {
    auto r = f.run(with_ttl(cmd(OpType::kUpdate, "/r"), kNow + 200 * kSec, true));
    REQUIRE(r.http_status == 200);
    REQUIRE(
        r.body ==
        at(R"({"action":"update","node":{"key":"/r","value":"keep","expiration":"2023-11-14T22:16:40Z","ttl":200,"modifiedIndex":$2,"createdIndex":$1},"prevNode":{"key":"/r","value":"keep","modifiedIndex":$1,"createdIndex":$1}})"
           "\n",
           b));
    REQUIRE(r.events.empty());
    REQUIRE(r.ttl_set.size() == 1);
    REQUIRE(f.index() == b + 2);  // still consumes an index
    REQUIRE(f.get("/r").find(at(R"("modifiedIndex":$2,"createdIndex":$1)", b)) !=
            std::string::npos);
  }
  SECTION("refresh without prevExist: set, value kept, new createdIndex, no event") {
    auto r = f.run(with_ttl(cmd(OpType::kSet, "/r"), kNow + 300 * kSec, true));
    REQUIRE(r.http_status == 200);
    REQUIRE(r.action == "set");
    REQUIRE(
        r.body.find(at(
            R"({"key":"/r","value":"keep","expiration":"2023-11-14T22:18:20Z","ttl":300,"modifiedIndex":$2,"createdIndex":$2})",
            b)) != std::string::npos);
    REQUIRE(r.events.empty());
  }
  SECTION("refresh of a missing key: 100; never creates") {
    auto r = f.run(with_ttl(cmd(OpType::kSet, "/missing"), kNow + kSec, true));
    REQUIRE(r.error_code == 100);
    REQUIRE(f.index() == b + 1);
  }
  SECTION("refresh + prevExist=false: creates an empty value, an ordinary create") {
    auto r = f.run(with_ttl(cmd(OpType::kCreate, "/new"), kNow + 10 * kSec, true));
    REQUIRE(r.http_status == 201);
    REQUIRE(r.body.find(R"("value":"",)") != std::string::npos);
    REQUIRE(r.events.size() == 1);
  }
  SECTION("CAS refresh keeps the value; mismatch fails") {
    Command c = with_ttl(cmd(OpType::kCompareAndSwap, "/r"), kNow + 500 * kSec, true);
    c.prev_value = "keep";
    auto r = f.run(c);
    REQUIRE(r.action == "compareAndSwap");
    REQUIRE(r.body.find(R"("node":{"key":"/r","value":"keep")") != std::string::npos);
    REQUIRE(r.events.empty());
    c.prev_value = "other";
    REQUIRE(f.run(c).error_code == 101);
  }
  SECTION("refresh on a directory: update works, set is 102") {
    f.mkdir("/rd");
    auto r = f.run(with_ttl(cmd(OpType::kUpdate, "/rd"), kNow + kSec, true));
    REQUIRE(r.action == "update");
    REQUIRE(r.events.empty());
    REQUIRE(f.run(with_ttl(cmd(OpType::kSet, "/rd"), kNow + kSec, true)).error_code == 102);
  }
  SECTION("replay skips refreshes: watcher from the first refresh sees only the set") {
    uint64_t from = f.index() + 1;
    f.run(with_ttl(cmd(OpType::kUpdate, "/r"), kNow + kSec, true));
    f.run(with_ttl(cmd(OpType::kUpdate, "/r"), kNow + 2 * kSec, true));
    f.set("/r", "new");
    auto h = f.reader->find_event("/r", false, from, f.index());
    REQUIRE(h.kind == HistoryResult::Kind::kFound);
    REQUIRE(h.index == from + 2);
    REQUIRE(h.json.find("\"action\":\"set\"") != std::string::npos);
  }
}
