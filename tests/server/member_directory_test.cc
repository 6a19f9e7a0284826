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

TEST_CASE("membership changes add, update and remove members; reset replaces the set",
          "[member_directory]") {
  using larch::server::parse_raft_attributes;
  using larch::server::raft_attributes_json;
  using larch::store::MemberPeers;
  MemberInfo a{1, "a", {"http://127.0.0.1:2380"}, {"http://127.0.0.1:2379"}};
  MemberDirectory dir({a});
  REQUIRE(parse_raft_attributes(raft_attributes_json({"http://x:1", "http://y:2"})) ==
          std::vector<std::string>{"http://x:1", "http://y:2"});
  REQUIRE(parse_raft_attributes("garbage").empty());

  dir.apply(7, MemberPeers{2, raft_attributes_json({"http://b:2380"}), false});
  auto [ms, index] = dir.members_at();
  REQUIRE(index == 7);
  REQUIRE(ms.size() == 2);
  REQUIRE(ms[1].id == 2);
  REQUIRE(ms[1].name.empty());  // added, not started: no name or client URLs (as etcd)
  REQUIRE(ms[1].client_urls.empty());
  REQUIRE(ms[1].peer_urls == std::vector<std::string>{"http://b:2380"});
  dir.update(2, R"({"name":"b","clientURLs":["http://b:2379"]})");
  dir.apply(9, MemberPeers{2, raft_attributes_json({"http://b:2390"}), false});  // update
  REQUIRE(dir.members()[1].peer_urls == std::vector<std::string>{"http://b:2390"});
  REQUIRE(dir.members()[1].name == "b");
  dir.apply(8, MemberPeers{1, "", true});  // an older index never moves the index back
  REQUIRE(dir.members_at().second == 9);
  REQUIRE(dir.is_removed(1));
  REQUIRE_FALSE(dir.is_removed(2));
  REQUIRE(dir.members().size() == 1);

  // A snapshot's member set: names of members known before are kept.
  dir.reset(20, {{2, raft_attributes_json({"http://b:2390"}), false},
                 {3, raft_attributes_json({"http://c:2380"}), false},
                 {4, "", true}});
  auto [after, at] = dir.members_at();
  REQUIRE(at == 20);
  REQUIRE(after.size() == 2);
  REQUIRE(after[0].name == "b");
  REQUIRE(after[1].id == 3);
  REQUIRE(dir.is_removed(4));
  REQUIRE_FALSE(dir.is_removed(1));  // the snapshot's view replaces ours
}
