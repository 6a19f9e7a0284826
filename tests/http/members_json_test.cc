#include <catch2/catch.hpp>

#include "http/members_handler.h"

using larch::http::MemberInfo;

TEST_CASE("members json: the client API's hex ids, the peer API's decimal ids in etcd's order") {
  MemberInfo m;
  m.id = 0x61f97220ab052a12;
  m.name = "m0";
  m.peer_urls = {"http://127.0.0.1:23380"};
  m.client_urls = {"http://127.0.0.1:23379"};
  CHECK(larch::http::member_json(m) ==
        R"({"id":"61f97220ab052a12","name":"m0","peerURLs":["http://127.0.0.1:23380"],)"
        R"("clientURLs":["http://127.0.0.1:23379"]})");
  // What etcd 3.4.23 serves on GET /members of its peer URL for the same member.
  CHECK(larch::http::peer_member_json(m) ==
        R"({"id":7059799375513725458,"peerURLs":["http://127.0.0.1:23380"],"name":"m0",)"
        R"("clientURLs":["http://127.0.0.1:23379"]})");
  MemberInfo unstarted;
  unstarted.id = 1;
  unstarted.peer_urls = {"http://h:2380"};
  CHECK(larch::http::peer_member_json(unstarted) == R"({"id":1,"peerURLs":["http://h:2380"]})");
}
