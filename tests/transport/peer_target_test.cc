// raft_target / parse_raft_query: the request target the sender builds must be exactly what
// the handler parses back, and anything malformed must be rejected rather than guessed at
// (a wrong cluster or sender id would let a foreign member's messages into the core).
#include "transport/peer_target.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <string>
#include <string_view>

using namespace larch::transport;

namespace {

// The query part of a target ("/raft?a=b" -> "a=b").
std::string_view query_of(std::string_view target) {
  size_t q = target.find('?');
  REQUIRE(q != std::string_view::npos);
  return target.substr(q + 1);
}

}  // namespace

TEST_CASE("peer target: raft_target has the /raft path and hex ids", "[peer_target]") {
  REQUIRE(raft_target(0x1e59f386d59c414ULL, 0xabcULL) == "/raft?cluster=1e59f386d59c414&from=abc");
  REQUIRE(raft_target(0, 0) == "/raft?cluster=0&from=0");
}

TEST_CASE("peer target: raft_target round-trips through parse_raft_query", "[peer_target]") {
  const uint64_t ids[] = {0, 1, 0xabcULL, 0x8e9e05c52164694dULL, 0xffffffffffffffffULL};
  for (uint64_t cluster : ids) {
    for (uint64_t from : ids) {
      std::string target = raft_target(cluster, from);
      REQUIRE(target.rfind(std::string(kRaftPath) + "?", 0) == 0);
      auto p = parse_raft_query(query_of(target));
      REQUIRE(p.has_value());
      CHECK(p->cluster_id == cluster);
      CHECK(p->from == from);
    }
  }
}

TEST_CASE("peer target: parameter order does not matter", "[peer_target]") {
  auto p = parse_raft_query("from=2&cluster=1");
  REQUIRE(p.has_value());
  CHECK(p->cluster_id == 1);
  CHECK(p->from == 2);
}

TEST_CASE("peer target: hex digits are case-insensitive", "[peer_target]") {
  auto p = parse_raft_query("cluster=ABCDEF&from=aBc");
  REQUIRE(p.has_value());
  CHECK(p->cluster_id == 0xabcdefULL);
  CHECK(p->from == 0xabcULL);
}

TEST_CASE("peer target: unknown and value-less parameters are ignored", "[peer_target]") {
  // Lets a later sender add parameters without breaking older receivers.
  auto p = parse_raft_query("v=2&cluster=10&x&from=20&trailing=");
  REQUIRE(p.has_value());
  CHECK(p->cluster_id == 0x10);
  CHECK(p->from == 0x20);
  // Empty segments from stray '&' are harmless too.
  auto q = parse_raft_query("&cluster=1&&from=2&");
  REQUIRE(q.has_value());
  CHECK(q->cluster_id == 1);
  CHECK(q->from == 2);
}

TEST_CASE("peer target: missing parameters are rejected", "[peer_target]") {
  CHECK_FALSE(parse_raft_query("").has_value());
  CHECK_FALSE(parse_raft_query("cluster=1").has_value());
  CHECK_FALSE(parse_raft_query("from=2").has_value());
  CHECK_FALSE(parse_raft_query("cluster&from").has_value());
  CHECK_FALSE(parse_raft_query("clusters=1&from=2").has_value());  // names match exactly
  CHECK_FALSE(parse_raft_query("Cluster=1&From=2").has_value());
}

TEST_CASE("peer target: values that are not hex ids are rejected", "[peer_target]") {
  CHECK_FALSE(parse_raft_query("cluster=&from=2").has_value());
  CHECK_FALSE(parse_raft_query("cluster=1&from=").has_value());
  CHECK_FALSE(parse_raft_query("cluster=xyz&from=2").has_value());
  CHECK_FALSE(parse_raft_query("cluster=1&from=-2").has_value());
  CHECK_FALSE(parse_raft_query("cluster=0x1&from=2").has_value());
  CHECK_FALSE(parse_raft_query("cluster=1%20&from=2").has_value());
  CHECK_FALSE(parse_raft_query("cluster=1 &from=2").has_value());
  // 17 hex digits overflow uint64.
  CHECK_FALSE(parse_raft_query("cluster=10000000000000000&from=2").has_value());
}
