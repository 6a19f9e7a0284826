#include "server/pending_table.h"

#include <catch2/catch.hpp>

#include "server/store_counters.h"

using namespace larch;

TEST_CASE("pending table: take returns each completion once; deadlines answer error 300") {
  server::PendingTable t;
  int completed = 0;
  std::string cause;
  t.add(
      1, [&](http::WriteReply r) { ++completed, cause = r.internal_cause; }, 100);
  t.add(
      2, [&](http::WriteReply) { ++completed; }, 200);
  auto d = t.take(2);
  REQUIRE(d);
  REQUIRE_FALSE(t.take(2));
  t.expire(150);
  REQUIRE(completed == 1);
  REQUIRE(cause == "etcdserver: request timed out");
  REQUIRE(t.size() == 0);
  t.add(
      3, [&](http::WriteReply r) { cause = r.internal_cause; }, 1000);
  t.fail_all("etcdserver: server stopped");
  REQUIRE(cause == "etcdserver: server stopped");
}

TEST_CASE("store counters count successes and failures per operation") {
  server::StoreCounters c;
  c.count_apply(store::OpType::kSet, true, 0);
  c.count_apply(store::OpType::kSet, false, 0);
  c.count_apply(store::OpType::kCreateInOrder, true, 0);
  c.count_apply(store::OpType::kCompareAndDelete, false, 0);
  c.count_apply(store::OpType::kExpire, true, 3);
  c.count_apply(store::OpType::kInternal, true, 0);
  c.count_get(true);
  c.count_get(false);
  auto s = c.snapshot();
  REQUIRE(s.sets_success == 1);
  REQUIRE(s.sets_fail == 1);
  REQUIRE(s.create_success == 1);
  REQUIRE(s.cad_fail == 1);
  REQUIRE(s.expire_count == 3);
  REQUIRE(s.gets_success == 1);
  REQUIRE(s.gets_fail == 1);
  REQUIRE(s.update_success + s.cas_success + s.delete_success == 0);
}
