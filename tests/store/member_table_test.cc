// Member attributes travel as internal entries and land in the member_attributes table.
#include "store/member_table.h"

#include <catch2/catch.hpp>

#include "store_test_util.h"

using namespace larch::store;
using namespace larch::store::test;

TEST_CASE("member attributes key round-trips and rejects other keys", "[member_table]") {
  REQUIRE(member_attributes_key(0xabc) == "/0/members/abc/attributes");
  REQUIRE(parse_member_attributes_key("/0/members/abc/attributes") == 0xabcu);
  REQUIRE(parse_member_attributes_key(member_attributes_key(~0ull)) == ~0ull);
  REQUIRE_FALSE(parse_member_attributes_key("/0/members//attributes"));
  REQUIRE_FALSE(parse_member_attributes_key("/0/members/xyz/attributes"));
  REQUIRE_FALSE(parse_member_attributes_key("/0/members/abc"));
  REQUIRE_FALSE(parse_member_attributes_key(""));
}

TEST_CASE("an attributes entry consumes one index, is stored and survives reopening",
          "[member_table]") {
  StoreFixture f;
  uint64_t before = f.index();
  Command c = cmd(OpType::kInternal, member_attributes_key(0xfeedbeef00112233ull),
                  R"({"name":"m1","clientURLs":["http://127.0.0.1:2379"]})");
  ApplyResult r = f.run(c);
  REQUIRE(r.error_code == 0);
  REQUIRE(f.index() == before + 1);
  REQUIRE(r.member_attributes);
  REQUIRE(r.member_attributes->first == 0xfeedbeef00112233ull);
  REQUIRE(r.events.empty());  // invisible to watchers

  // A later publish replaces the earlier one; a plain internal entry stores nothing.
  c.value = R"({"name":"m1","clientURLs":["http://127.0.0.1:9999"]})";
  f.run(c);
  REQUIRE_FALSE(f.run(cmd(OpType::kInternal, "")).member_attributes);
  auto all = f.store->member_attributes();
  REQUIRE(all.size() == 1);
  REQUIRE(all[0].second == c.value);

  f.store.reset();
  auto reopened = KeyStore::open(f.path, 1000);
  REQUIRE(reopened->member_attributes() == all);
}
