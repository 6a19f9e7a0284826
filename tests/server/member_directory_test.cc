// MemberDirectory: published attributes fill in names and client URLs of known members.
#include "server/member_directory.h"

#include <catch2/catch.hpp>

using larch::http::MemberInfo;
using larch::server::attributes_json;
using larch::server::MemberDirectory;

TEST_CASE("published attributes update a known member only", "[member_directory]") {
  MemberInfo a{1, "a", {"http://127.0.0.1:2380"}, {}};
  MemberInfo b{2, "b", {"http://127.0.0.1:2382"}, {}};
  MemberDirectory dir({a, b});
  MemberInfo published = b;
  published.client_urls = {"http://127.0.0.1:2381", "http://10.0.0.2:2379"};
  dir.update(2, attributes_json(published));
  dir.update(3, attributes_json(published));            // unknown id: ignored
  dir.update(1, "not json");                            // malformed: ignored
  dir.update(1, R"({"clientURLs":[7,"http://x:1"]})");  // non-strings skipped
  auto ms = dir.members();
  REQUIRE(ms.size() == 2);
  REQUIRE(ms[0].client_urls == std::vector<std::string>{"http://x:1"});
  REQUIRE(ms[0].name == "a");
  REQUIRE(ms[1].client_urls == published.client_urls);
  REQUIRE(ms[1].peer_urls == b.peer_urls);
}

TEST_CASE("attributes JSON has etcd's field names", "[member_directory]") {
  MemberInfo m{9, "m0", {}, {"http://127.0.0.1:2379"}};
  REQUIRE(attributes_json(m) == R"({"name":"m0","clientURLs":["http://127.0.0.1:2379"]})");
}
