#include "server/discovery.h"

#include <catch2/catch.hpp>
#include <deque>

#include "util/member_id.h"

using namespace larch;
using server::Discovery;
using transport::HttpAnswer;
using transport::HttpRequest;

namespace {

constexpr uint64_t kSelf = 0x5147f6ee3ddc2f25;
const std::string kSelfEntry = "l0=http://127.0.0.1:26380";
const std::string kUrl = "http://disco.example:4001/v2/keys/d/t";

HttpAnswer answer(int status, std::string body, uint64_t etcd_index = 10) {
  HttpAnswer a;
  a.status = status;
  a.body = std::move(body);
  a.headers = {{"X-Etcd-Index", std::to_string(etcd_index)}};
  return a;
}

HttpAnswer size_answer(const std::string& value) {
  return answer(200, R"({"action":"get","node":{"key":"/d/t/_config/size","value":")" + value +
                         R"(","modifiedIndex":4,"createdIndex":4}})");
}

struct Reg {
  std::string id, entry;
  uint64_t created;
};

HttpAnswer listing(const std::vector<Reg>& regs, uint64_t index) {
  std::string nodes = R"({"key":"/d/t/_config","dir":true,"modifiedIndex":4,"createdIndex":4})";
  for (const auto& r : regs) {
    nodes += R"(,{"key":"/d/t/)" + r.id + R"(","value":")" + r.entry + R"(","modifiedIndex":)" +
             std::to_string(r.created) + R"(,"createdIndex":)" + std::to_string(r.created) + "}";
  }
  return answer(200, R"({"action":"get","node":{"key":"/d/t","dir":true,"nodes":[)" + nodes + "]}}",
                index);
}

HttpAnswer v2_error(int status, int code, const std::string& message, const std::string& cause,
                    uint64_t index) {
  return answer(status, R"({"errorCode":)" + std::to_string(code) + R"(,"message":")" + message +
                            R"(","cause":")" + cause + R"(","index":)" + std::to_string(index) +
                            "}");
}

// A scripted discovery service: answers in order, records every request and pause.
struct Script {
  std::deque<HttpAnswer> answers;
  std::vector<HttpRequest> requests;
  std::vector<std::chrono::milliseconds> pauses;
  std::vector<std::string> log;

  Discovery make(const std::string& url = kUrl) {
    return Discovery(
        url, kSelf, kSelfEntry,
        [this](const HttpRequest& r, std::chrono::milliseconds) {
          requests.push_back(r);
          REQUIRE_FALSE(answers.empty());
          HttpAnswer a = answers.front();
          answers.pop_front();
          return a;
        },
        [this](std::chrono::milliseconds p) { pauses.push_back(p); },
        [this](const std::string& line) { log.push_back(line); });
  }
};

const std::string kSelfHex = "5147f6ee3ddc2f25";

// The discovered initial cluster in --initial-cluster syntax.
std::string text(const Discovery::Outcome& out) {
  larch::config::Config c;
  c.initial_cluster = out.initial_cluster;
  return c.initial_cluster_text();
}

}  // namespace

TEST_CASE("discovery: register, wait for the others, the first `size` in registration order") {
  Script s;
  s.answers = {
      size_answer("3"),
      listing({{"2c769043feeb6ac6", "l1=http://127.0.0.1:26382", 12}}, 12),
      answer(201, R"({"action":"create"})"),
      size_answer("3"),
      listing({{kSelfHex, kSelfEntry, 13}, {"2c769043feeb6ac6", "l1=http://127.0.0.1:26382", 12}},
              13),
      answer(200, R"({"action":"create"})"),  // the watch fires
      size_answer("3"),
      listing({{"b823e865e5a5d3de", "l2=http://127.0.0.1:26384", 14},
               {kSelfHex, kSelfEntry, 13},
               {"2c769043feeb6ac6", "l1=http://127.0.0.1:26382", 12}},
              14)};
  auto out = s.make().join();
  REQUIRE(out.error.empty());
  CHECK(text(out) ==
        "l1=http://127.0.0.1:26382,l0=http://127.0.0.1:26380,l2=http://127.0.0.1:26384");
  REQUIRE(s.requests.size() == 8);
  CHECK(s.requests[0].method == "GET");
  CHECK(s.requests[0].host == "disco.example");
  CHECK(s.requests[0].port == 4001);
  CHECK(s.requests[0].target == "/v2/keys/d/t/_config/size");
  CHECK(s.requests[1].target == "/v2/keys/d/t");
  CHECK(s.requests[2].method == "PUT");
  CHECK(s.requests[2].target == "/v2/keys/d/t/" + kSelfHex + "?prevExist=false");
  CHECK(s.requests[2].body == "value=l0%3Dhttp%3A%2F%2F127.0.0.1%3A26380");
  CHECK(s.requests[2].content_type == "application/x-www-form-urlencoded");
  CHECK(s.requests[5].target == "/v2/keys/d/t?wait=true&recursive=true&waitIndex=14");
  CHECK(s.log == std::vector<std::string>{"discovery: found peer 2c769043feeb6ac6 in the cluster",
                                          "discovery: found self " + kSelfHex + " in the cluster",
                                          "discovery: found 2 peer(s), waiting for 1 more",
                                          "discovery: found peer b823e865e5a5d3de in the cluster",
                                          "discovery: found 3 needed peer(s)"});
}

TEST_CASE("discovery: the service's errors end it in etcd's words") {
  Script s;
  SECTION("no size key") {
    s.answers = {v2_error(404, 100, "Key not found", "/d/t/_config", 10)};
    CHECK(s.make().join().error == "100: Key not found (/d/t/_config) [10]");
  }
  SECTION("a size that is not a positive number") {
    s.answers = {size_answer("abc")};
    CHECK(s.make().join().error == "discovery: size key is bad");
  }
  SECTION("full before registering: nothing is written") {
    s.answers = {size_answer("1"), listing({{"2c769043feeb6ac6", "l1=http://h:2380", 5}}, 5)};
    auto out = s.make().join();
    CHECK(out.error == "discovery: cluster is full");
    CHECK(out.full);  // with the cluster a proxy would forward to (--discovery-fallback)
    CHECK(text(out) == "l1=http://h:2380");
    CHECK(s.requests.size() == 2);
  }
  SECTION("this member's id is registered already") {
    s.answers = {size_answer("3"), listing({}, 5),
                 v2_error(412, 105, "Key already exists", "/d/t/" + kSelfHex, 6)};
    CHECK(s.make().join().error == "discovery: found duplicate id");
  }
  SECTION("two registrations under one name") {
    s.answers = {size_answer("2"), listing({{"aa", "l0=http://other:2380", 5}}, 5),
                 answer(201, "{}"), size_answer("2"),
                 listing({{"aa", "l0=http://other:2380", 5}, {kSelfHex, kSelfEntry, 6}}, 6)};
    CHECK(s.make().join().error == "discovery: found duplicate name");
  }
  SECTION("not an http(s) URL") {
    CHECK(s.make("ftp://disco/v2/keys/d").join().error == "discovery: invalid URL");
    CHECK(s.requests.empty());
  }
}

TEST_CASE("discovery: an unreachable service is asked again after growing pauses") {
  Script s;
  HttpAnswer down;
  down.error = "connect: Connection refused";
  s.answers = {down,
               down,
               down,
               size_answer("1"),
               listing({}, 3),
               answer(201, "{}"),
               size_answer("1"),
               listing({{kSelfHex, kSelfEntry, 4}}, 4)};
  auto out = s.make("https://disco.example/v2/keys/d/t/").join();
  REQUIRE(out.error.empty());
  CHECK(text(out) == kSelfEntry);
  using std::chrono::milliseconds;
  CHECK(s.pauses ==
        std::vector<milliseconds>{milliseconds(1000), milliseconds(2000), milliseconds(4000)});
  CHECK(s.log.front() ==
        "discovery: error connecting to https://disco.example/v2/keys/d/t/ (connect: Connection "
        "refused), retrying in 1s");
  CHECK(s.requests[3].port == 443);  // https without a port
  CHECK(s.requests[3].target == "/v2/keys/d/t/_config/size");
}

TEST_CASE("discovery: member ids derive from the peer URLs and the discovery URL, as etcd's") {
  // Measured on etcd 3.4.23 (member e0 bootstrapped through this discovery URL).
  CHECK(util::member_id({"http://127.0.0.1:25380"},
                        "http://127.0.0.1:24379/v2/keys/discovery/tok1") == 0x15e9e0e9471b3b0b);
}

TEST_CASE("discovery: a watch that ends without news is followed by another look, no pause") {
  Script s;
  HttpAnswer timed_out;
  timed_out.error = "timed out after 30000 ms";
  s.answers = {size_answer("2"),
               listing({}, 5),
               answer(201, "{}"),
               size_answer("2"),
               listing({{kSelfHex, kSelfEntry, 6}}, 6),
               timed_out,  // nobody registered within the long poll
               size_answer("2"),
               listing({{kSelfHex, kSelfEntry, 6}}, 6),
               answer(200, "{}"),
               size_answer("2"),
               listing({{kSelfHex, kSelfEntry, 6}, {"ab", "l9=http://h:1", 8}}, 8)};
  auto out = s.make().join();
  REQUIRE(out.error.empty());
  CHECK(text(out) == kSelfEntry + ",l9=http://h:1");
  CHECK(s.pauses.empty());
  CHECK(s.requests[5].target == "/v2/keys/d/t?wait=true&recursive=true&waitIndex=7");
  CHECK(s.requests[8].target == "/v2/keys/d/t?wait=true&recursive=true&waitIndex=7");
}

TEST_CASE("discovery: a proxy waits for the whole cluster without registering") {
  Script s;
  s.answers = {size_answer("2"), listing({{"aa", "l0=http://h0:2380", 5}}, 5),
               answer(200, R"({"action":"create"})"),  // the watch fires
               size_answer("2"),
               listing({{"bb", "l1=http://h1:2380", 6}, {"aa", "l0=http://h0:2380", 5}}, 6)};
  auto out = s.make().cluster();
  REQUIRE(out.error.empty());
  CHECK_FALSE(out.full);
  CHECK(text(out) == "l0=http://h0:2380,l1=http://h1:2380");
  REQUIRE(s.requests.size() == 5);
  for (const auto& r : s.requests) CHECK(r.method == "GET");  // nothing registered
  CHECK(s.requests[2].target == "/v2/keys/d/t?wait=true&recursive=true&waitIndex=6");
  CHECK(s.log == std::vector<std::string>{"discovery: found 1 peer(s), waiting for 1 more"});
}
