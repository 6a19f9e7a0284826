#include "util/member_id.h"

#include <catch2/catch.hpp>

using larch::util::cluster_id;
using larch::util::id_hex;
using larch::util::member_id;
using larch::util::parse_id_hex;

TEST_CASE("member_id matches the spec's verified single-member vector", "[member_id]") {
  uint64_t id = member_id({"http://127.0.0.1:22380"}, "etcd-cluster", std::nullopt);
  CHECK(id_hex(id) == "9e737febb6b99eee");
  CHECK(id == 0x9e737febb6b99eeeULL);
  CHECK(id_hex(cluster_id({id})) == "c8730d66636ff140");
}

// Vectors below were read from a real etcd 3.4.23 cluster (token "httl-tok"; member b had
// two peer URLs given out of order) via /v2/members and X-Etcd-Cluster-Id.
TEST_CASE("member_id matches real etcd for a three-member bootstrap", "[member_id]") {
  uint64_t a = member_id({"http://127.0.0.1:31380"}, "httl-tok");
  uint64_t b = member_id({"http://127.0.0.1:31391", "http://127.0.0.1:31381"}, "httl-tok");
  uint64_t c = member_id({"http://127.0.0.1:31382"}, "httl-tok");
  CHECK(id_hex(a) == "b54f6467f8f8275d");
  CHECK(id_hex(b) == "8caabdf8a585b72e");
  CHECK(id_hex(c) == "ba461d76bae029ea");
  CHECK(id_hex(cluster_id({a, b, c})) == "b6c98b54b3c21c6a");
  // Order of the inputs does not matter (both are sorted before hashing).
  CHECK(cluster_id({c, a, b}) == cluster_id({a, b, c}));
  CHECK(member_id({"http://127.0.0.1:31381", "http://127.0.0.1:31391"}, "httl-tok") == b);
}

TEST_CASE("member_id of a runtime-added member includes the add time", "[member_id]") {
  // `etcdctl member add d --peer-urls=http://127.0.0.1:31383` at Unix 1795265936 gave
  // 8c0a7de31457857c; etcd hashes an empty token for runtime adds.
  uint64_t d = member_id({"http://127.0.0.1:31383"}, "", 1795265936);
  CHECK(id_hex(d) == "8c0a7de31457857c");
  CHECK(member_id({"http://127.0.0.1:31383"}, "", 1795265937) != d);
  CHECK(member_id({"http://127.0.0.1:31383"}, "") != d);
}

TEST_CASE("member_id depends on token and URLs", "[member_id]") {
  uint64_t base = member_id({"http://127.0.0.1:22380"}, "etcd-cluster");
  CHECK(member_id({"http://127.0.0.1:22380"}, "other") != base);
  CHECK(member_id({"http://127.0.0.1:22381"}, "etcd-cluster") != base);
}

TEST_CASE("id_hex prints lower-case hex without leading zeros", "[member_id]") {
  CHECK(id_hex(0) == "0");
  CHECK(id_hex(1) == "1");
  CHECK(id_hex(0x1e59f386d59c414ULL) == "1e59f386d59c414");
  CHECK(id_hex(0xFFFFFFFFFFFFFFFFULL) == "ffffffffffffffff");
  CHECK(id_hex(0x00ab000000000000ULL) == "ab000000000000");
}

TEST_CASE("parse_id_hex round-trips and rejects junk", "[member_id]") {
  CHECK(parse_id_hex("1e59f386d59c414") == 0x1e59f386d59c414ULL);
  CHECK(parse_id_hex("C8730D66636FF140") == 0xc8730d66636ff140ULL);
  CHECK(parse_id_hex("0") == 0u);
  CHECK_FALSE(parse_id_hex("").has_value());
  CHECK_FALSE(parse_id_hex("12345678901234567").has_value());
  CHECK_FALSE(parse_id_hex("xyz").has_value());
  CHECK_FALSE(parse_id_hex("-1").has_value());
  for (uint64_t v : {0ULL, 7ULL, 0x9e737febb6b99eeeULL, ~0ULL}) CHECK(parse_id_hex(id_hex(v)) == v);
}
