// fetch_cluster: a joining member's GET /members. Against the production PeerHandler on a
// real listener the member list, cluster ID and conf index come back intact; a closed port,
// a peer that never answers (bounded by the timeout), a refused request and every kind of
// malformed answer are errors with a clear reason, never a partial result.
#include "transport/cluster_fetch.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "loopback_peers.h"

using namespace larch;
using namespace larch::transport::testing;
using transport::fetch_cluster;

namespace {

constexpr uint64_t kCluster = 0xfe7c4c1a55ULL;
constexpr auto kTimeout = std::chrono::milliseconds(3000);

// A complete HTTP/1.1 response with the given extra header lines ("Name: value\r\n"...).
std::string reply(int status, const std::string& headers, const std::string& body) {
  return "HTTP/1.1 " + std::to_string(status) + " X\r\n" + headers +
         "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n\r\n" + body;
}

// A peer answering every request with `bytes`, then closing the connection.
struct Answering {
  explicit Answering(std::string bytes) : peer(always(std::move(bytes))) {}
  static ScriptedPeer::Script always(std::string bytes) {
    return [bytes](uint64_t) { return ScriptedPeer::Reply{bytes, true}; };
  }
  ScriptedPeer peer;
};

// fetch_cluster against a scripted answer; returns the error (empty on success).
std::string fetch_error(const std::string& bytes) {
  Answering a(bytes);
  std::string error;
  auto got = fetch_cluster("127.0.0.1", a.peer.port(), kTimeout, &error);
  CHECK(got.has_value() == error.empty());
  return error;
}

const std::string kClusterHeader = "X-Etcd-Cluster-ID: fe7c4c1a55\r\n";

}  // namespace

TEST_CASE("cluster fetch: the member list of a real peer handler", "[cluster_fetch]") {
  const std::string members =
      R"([{"id":"8e9e05c52164694d","name":"infra1",)"
      R"("peerURLs":["http://127.0.0.1:2380","http://10.0.0.1:2380"],)"
      R"("clientURLs":["http://127.0.0.1:2379"]},)"
      R"({"id":"2a","name":"","peerURLs":["http://127.0.0.1:12380"],"clientURLs":[]}])";
  Inbox inbox;
  PeerListener peer(kCluster, 2, inbox, 0, [&members](transport::PeerHandler& h) {
    h.set_members_provider([&members] { return transport::MembersSnapshot{members, 77}; });
  });
  std::string error = "stale";
  auto got = fetch_cluster("127.0.0.1", peer.port(), kTimeout, &error);
  REQUIRE(got.has_value());
  CHECK(error.empty());
  CHECK(got->cluster_id == kCluster);
  CHECK(got->conf_index == 77);
  REQUIRE(got->members.size() == 2);
  const auto& a = got->members[0];
  CHECK(a.id == 0x8e9e05c52164694dULL);
  CHECK(a.name == "infra1");
  CHECK(a.peer_urls == std::vector<std::string>{"http://127.0.0.1:2380", "http://10.0.0.1:2380"});
  CHECK(a.client_urls == std::vector<std::string>{"http://127.0.0.1:2379"});
  const auto& b = got->members[1];
  CHECK(b.id == 0x2a);
  CHECK(b.name.empty());
  CHECK(b.peer_urls == std::vector<std::string>{"http://127.0.0.1:12380"});
  CHECK(b.client_urls.empty());
  CHECK(inbox.deliveries() == 0);

  // Again, without an error pointer: same answer.
  auto again = fetch_cluster("127.0.0.1", peer.port(), kTimeout, nullptr);
  REQUIRE(again.has_value());
  CHECK(again->members.size() == 2);
}

TEST_CASE("cluster fetch: a peer handler without a member list -> 404 error", "[cluster_fetch]") {
  Inbox inbox;
  PeerListener peer(kCluster, 2, inbox);
  std::string error;
  CHECK_FALSE(fetch_cluster("127.0.0.1", peer.port(), kTimeout, &error).has_value());
  CHECK(error.find("/members") != std::string::npos);
  CHECK(error.find("HTTP status 404") != std::string::npos);
}

TEST_CASE("cluster fetch: a closed port is an error naming the address", "[cluster_fetch]") {
  uint16_t port = closed_port();
  std::string error;
  auto started = std::chrono::steady_clock::now();
  CHECK_FALSE(fetch_cluster("127.0.0.1", port, kTimeout, &error).has_value());
  CHECK(std::chrono::steady_clock::now() - started < kTimeout);  // refused, not timed out
  CHECK(error.find("http://127.0.0.1:" + std::to_string(port) + "/members") != std::string::npos);
  CHECK(error.find("connect") != std::string::npos);
}

TEST_CASE("cluster fetch: a peer that never answers times out within the bound",
          "[cluster_fetch]") {
  SilentPeer peer;
  constexpr auto kShort = std::chrono::milliseconds(300);
  std::string error;
  auto started = std::chrono::steady_clock::now();
  CHECK_FALSE(fetch_cluster("127.0.0.1", peer.port(), kShort, &error).has_value());
  auto took = std::chrono::steady_clock::now() - started;
  CHECK(took >= kShort - std::chrono::milliseconds(5));  // it did wait for the answer
  CHECK(took < kShort + std::chrono::milliseconds(700));
  CHECK(peer.bytes_received() > 0);  // the request was sent
  CHECK(error.find("timed out after 300 ms") != std::string::npos);
}

TEST_CASE("cluster fetch: a connection closed without an answer is an error", "[cluster_fetch]") {
  std::string error = fetch_error("");
  CHECK(error.find("receive") != std::string::npos);
}

TEST_CASE("cluster fetch: the etcd form (numeric ids, no conf index) is accepted",
          "[cluster_fetch]") {
  Answering a(reply(200, kClusterHeader,
                    R"([{"id":10276657743932975437,"name":"e","peerURLs":["http://h:1"]}])"));
  std::string error;
  auto got = fetch_cluster("127.0.0.1", a.peer.port(), kTimeout, &error);
  REQUIRE(got.has_value());
  CHECK(got->cluster_id == kCluster);
  CHECK(got->conf_index == 0);
  REQUIRE(got->members.size() == 1);
  CHECK(got->members[0].id == 10276657743932975437ULL);
  CHECK(got->members[0].client_urls.empty());
}

TEST_CASE("cluster fetch: refused and malformed answers are errors", "[cluster_fetch]") {
  const std::string good = R"([{"id":"1","name":"a","peerURLs":[],"clientURLs":[]}])";
  const std::string conf = "X-Larch-Conf-Index: 4\r\n";
  REQUIRE(fetch_error(reply(200, kClusterHeader + conf, good)).empty());  // the baseline

  CHECK(fetch_error(reply(500, kClusterHeader + conf, good)).find("HTTP status 500") !=
        std::string::npos);
  CHECK(fetch_error(reply(200, conf, good)).find("X-Etcd-Cluster-ID") != std::string::npos);
  for (const char* bad_cluster : {"zz", "", "0", "12345678901234567"}) {
    INFO(bad_cluster);
    std::string headers = "X-Etcd-Cluster-ID: " + std::string(bad_cluster) + "\r\n" + conf;
    CHECK(fetch_error(reply(200, headers, good)).find("X-Etcd-Cluster-ID") != std::string::npos);
  }
  for (const char* bad_index : {"x", "-1", "4x", "99999999999999999999"}) {
    INFO(bad_index);
    std::string headers = kClusterHeader + "X-Larch-Conf-Index: " + bad_index + "\r\n";
    CHECK(fetch_error(reply(200, headers, good)).find("X-Larch-Conf-Index") != std::string::npos);
  }
  const std::vector<std::pair<std::string, std::string>> bodies{
      {"[{", "malformed member list JSON"},
      {"", "malformed member list JSON"},
      {R"({"members":[]})", "not an array"},
      {R"([1])", "not a JSON object"},
      {R"([{"name":"a"}])", "\"id\""},
      {R"([{"id":"0"}])", "\"id\""},
      {R"([{"id":"xyz"}])", "\"id\""},
      {R"([{"id":-5}])", "\"id\""},
      {R"([{"id":"1","name":3}])", "\"name\""},
      {R"([{"id":"1","peerURLs":"http://h:1"}])", "peerURLs"},
      {R"([{"id":"1","clientURLs":[1]}])", "clientURLs"},
  };
  for (const auto& [body, reason] : bodies) {
    INFO(body);
    CHECK(fetch_error(reply(200, kClusterHeader + conf, body)).find(reason) != std::string::npos);
  }
}
