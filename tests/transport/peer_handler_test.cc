// PeerHandler::serve: the peer port's request -> response mapping, without sockets. What
// matters beyond the status codes: only messages addressed to this member and sent by the
// member named in the query reach `deliver` (a misrouted or spoofed batch must not reach the
// core), and nothing is delivered when the request is rejected.
#include "transport/peer_handler.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "consensus/message_codec.h"
#include "transport/peer_target.h"

using namespace larch;
using consensus::Message;
using consensus::MessageType;

namespace {

constexpr uint64_t kCluster = 0xc1c1c1c1ULL;
constexpr consensus::NodeId kSelf = 2;
constexpr consensus::NodeId kSender = 1;

// A PeerHandler for member kSelf of kCluster that records every deliver() call.
struct Fixture {
  std::vector<std::vector<Message>> delivered;
  transport::PeerHandler handler{kCluster, kSelf,
                                 [this](std::vector<Message> m) { delivered.push_back(m); }};

  // Request views must outlive serve(); keep their backing strings here.
  http::Response serve(std::string method, std::string target, std::string body = {}) {
    method_ = std::move(method);
    target_ = std::move(target);
    http::Request req;
    req.method = method_;
    req.target = target_;
    req.content_type = "application/octet-stream";
    req.body = std::move(body);
    return handler.serve(req);
  }

 private:
  std::string method_, target_;
};

Message msg(MessageType type, consensus::NodeId from, consensus::NodeId to, uint64_t term) {
  Message m;
  m.type = type;
  m.from = from;
  m.to = to;
  m.term = term;
  return m;
}

std::string header(const http::Response& r, std::string_view name) {
  for (const auto& [n, v] : r.headers) {
    if (n == name) return v;
  }
  return "<missing>";
}

// The {"message":"..."} body of an error response.
std::string json_message_of(const http::Response& r) {
  REQUIRE(r.content_type == "application/json");
  auto v = boost::json::parse(r.body);
  REQUIRE(v.is_object());
  REQUIRE(v.as_object().contains("message"));
  return std::string(v.as_object().at("message").as_string());
}

}  // namespace

TEST_CASE("peer handler: a good batch is delivered and answered 204", "[peer_handler]") {
  Fixture f;
  Message app = msg(MessageType::kAppend, kSender, kSelf, 3);
  app.index = 10;
  app.log_term = 2;
  app.commit = 9;
  app.entries = {consensus::Entry{3, 11, consensus::EntryType::kNormal, "x"}};
  Message hb = msg(MessageType::kHeartbeat, kSender, kSelf, 3);
  hb.context = "ctx";
  std::vector<Message> batch{app, hb};
  auto r =
      f.serve("POST", transport::raft_target(kCluster, kSender), consensus::encode_messages(batch));
  CHECK(r.status == 204);
  CHECK(r.body.empty());
  CHECK(r.content_type.empty());  // a 204 carries no Content-Type
  REQUIRE(f.delivered.size() == 1);
  CHECK(f.delivered[0] == batch);  // every field intact, order kept
}

TEST_CASE("peer handler: only messages to self from the query's sender are delivered",
          "[peer_handler]") {
  Fixture f;
  Message keep1 = msg(MessageType::kAppend, kSender, kSelf, 5);
  Message other_to = msg(MessageType::kAppend, kSender, 3, 5);  // misrouted
  Message spoofed = msg(MessageType::kVote, 3, kSelf, 6);       // claims another sender
  Message keep2 = msg(MessageType::kHeartbeat, kSender, kSelf, 5);
  Message none = msg(MessageType::kHeartbeat, kSender, consensus::kNoNode, 5);
  auto r = f.serve("POST", transport::raft_target(kCluster, kSender),
                   consensus::encode_messages({keep1, other_to, spoofed, keep2, none}));
  CHECK(r.status == 204);
  REQUIRE(f.delivered.size() == 1);
  CHECK(f.delivered[0] == std::vector<Message>{keep1, keep2});
}

TEST_CASE("peer handler: a batch with nothing for this member is not delivered", "[peer_handler]") {
  Fixture f;
  auto r = f.serve("POST", transport::raft_target(kCluster, kSender),
                   consensus::encode_messages({msg(MessageType::kAppend, kSender, 3, 1),
                                               msg(MessageType::kAppend, 3, kSelf, 1)}));
  CHECK(r.status == 204);
  CHECK(f.delivered.empty());  // deliver() is never called with an empty vector
}

TEST_CASE("peer handler: an empty batch is accepted without a delivery", "[peer_handler]") {
  Fixture f;
  auto r =
      f.serve("POST", transport::raft_target(kCluster, kSender), consensus::encode_messages({}));
  CHECK(r.status == 204);
  CHECK(f.delivered.empty());
}

TEST_CASE("peer handler: a sender of another cluster gets 412 and nothing is delivered",
          "[peer_handler]") {
  Fixture f;
  auto r = f.serve("POST", transport::raft_target(kCluster + 1, kSender),
                   consensus::encode_messages({msg(MessageType::kAppend, kSender, kSelf, 1)}));
  CHECK(r.status == 412);
  std::string message = json_message_of(r);
  CHECK(message.find("cluster ID mismatch") != std::string::npos);
  CHECK(message.find("c1c1c1c1") != std::string::npos);  // names this member's cluster
  CHECK(f.delivered.empty());
}

TEST_CASE("peer handler: missing or malformed query parameters -> 400", "[peer_handler]") {
  Fixture f;
  std::string body = consensus::encode_messages({msg(MessageType::kAppend, kSender, kSelf, 1)});
  for (const char* target : {"/raft", "/raft?", "/raft?cluster=c1c1c1c1", "/raft?from=1",
                             "/raft?cluster=zz&from=1", "/raft?cluster=c1c1c1c1&from="}) {
    INFO(target);
    auto r = f.serve("POST", target, body);
    CHECK(r.status == 400);
    CHECK_FALSE(json_message_of(r).empty());
  }
  CHECK(f.delivered.empty());
}

TEST_CASE("peer handler: a malformed body -> 400 and nothing is delivered", "[peer_handler]") {
  Fixture f;
  std::string good = consensus::encode_messages(
      {msg(MessageType::kAppend, kSender, kSelf, 1), msg(MessageType::kAppend, kSender, kSelf, 2)});
  std::vector<std::string> bodies{
      "",                               // no magic at all
      "garbage that is not a batch",    // bad magic
      good.substr(0, good.size() - 1),  // truncated
      good + "x",                       // trailing bytes
      std::string("LRM\x09\x00", 5),    // unknown codec version
  };
  for (const auto& body : bodies) {
    INFO("body size " << body.size());
    auto r = f.serve("POST", transport::raft_target(kCluster, kSender), body);
    CHECK(r.status == 400);
    CHECK(json_message_of(r).find("malformed raft message batch") != std::string::npos);
  }
  // A truncated batch must not deliver its decodable prefix either.
  CHECK(f.delivered.empty());
}

TEST_CASE("peer handler: /raft only accepts POST (405 with Allow: POST)", "[peer_handler]") {
  Fixture f;
  for (const char* method : {"GET", "PUT", "DELETE", "HEAD"}) {
    INFO(method);
    auto r = f.serve(method, transport::raft_target(kCluster, kSender));
    CHECK(r.status == 405);
    CHECK(header(r, "Allow") == "POST");
  }
  CHECK(f.delivered.empty());
}

TEST_CASE("peer handler: GET /version answers JSON versions", "[peer_handler]") {
  Fixture f;
  auto r = f.serve("GET", "/version");
  CHECK(r.status == 200);
  CHECK(r.content_type == "application/json");
  CHECK_FALSE(r.head);
  auto v = boost::json::parse(r.body).as_object();
  CHECK(v.at("etcdserver").is_string());
  CHECK(v.at("etcdcluster").is_string());

  auto h = f.serve("HEAD", "/version");  // same body length, no body bytes on the wire
  CHECK(h.status == 200);
  CHECK(h.head);
  CHECK(h.body == r.body);

  CHECK(f.serve("GET", "/version?pretty=1").status == 200);  // the query is not the path

  auto post = f.serve("POST", "/version");
  CHECK(post.status == 405);
  CHECK(header(post, "Allow") == "GET, HEAD");
}

TEST_CASE("peer handler: unknown paths -> 404", "[peer_handler]") {
  Fixture f;
  for (const char* target :
       {"/", "/raftx", "/raft/", "/raft/probe", "/v2/keys/a", "/versions", "/members"}) {
    INFO(target);
    auto r = f.serve("POST", target, consensus::encode_messages({}));
    CHECK(r.status == 404);
    CHECK(r.body == "404 page not found\n");
  }
  CHECK(f.delivered.empty());
}

TEST_CASE("peer handler: handle() answers like serve() and the peer port serves no watches",
          "[peer_handler]") {
  Fixture f;
  std::string target = transport::raft_target(kCluster, kSender);
  http::Request req;
  req.method = "POST";
  req.target = target;
  req.body = consensus::encode_messages({msg(MessageType::kAppend, kSender, kSelf, 1)});
  boost::asio::io_context ioc;
  auto fut = boost::asio::co_spawn(ioc, f.handler.handle(req), boost::asio::use_future);
  ioc.run();
  http::Outcome out = fut.get();
  CHECK(out.response.status == 204);
  CHECK(out.watch == nullptr);
  CHECK(f.delivered.size() == 1);

  http::WatchPlan plan;
  uint64_t id = 42;
  auto refused = f.handler.start_watch(plan, nullptr, id);
  REQUIRE(refused.has_value());
  CHECK(refused->status == 404);
  CHECK(id == 0);
}

TEST_CASE("peer handler: a removed sender gets 410 and nothing is delivered", "[peer_handler]") {
  Fixture f;
  std::vector<consensus::NodeId> asked;
  f.handler.set_is_removed([&asked](consensus::NodeId id) {
    asked.push_back(id);
    return id == kSender;
  });
  std::string body = consensus::encode_messages({msg(MessageType::kAppend, kSender, kSelf, 1)});
  auto r = f.serve("POST", transport::raft_target(kCluster, kSender), body);
  CHECK(r.status == 410);
  CHECK(r.body == R"({"message":"the member has been permanently removed from the cluster"})");
  CHECK(json_message_of(r) == "the member has been permanently removed from the cluster");
  CHECK(f.delivered.empty());
  CHECK(asked == std::vector<consensus::NodeId>{kSender});

  // A member that was not removed is served as before.
  Message from3 = msg(MessageType::kAppend, 3, kSelf, 1);
  auto ok =
      f.serve("POST", transport::raft_target(kCluster, 3), consensus::encode_messages({from3}));
  CHECK(ok.status == 204);
  REQUIRE(f.delivered.size() == 1);
  CHECK(f.delivered[0] == std::vector<Message>{from3});

  // Another cluster's sender is told about the cluster mismatch first.
  CHECK(f.serve("POST", transport::raft_target(kCluster + 1, kSender), body).status == 412);
}

TEST_CASE("peer handler: the predicate can be given to the constructor", "[peer_handler]") {
  std::vector<std::vector<Message>> delivered;
  transport::PeerHandler handler(
      kCluster, kSelf, [&delivered](std::vector<Message> m) { delivered.push_back(m); },
      [](consensus::NodeId id) { return id == kSender; });
  std::string target = transport::raft_target(kCluster, kSender);
  http::Request req;
  req.method = "POST";
  req.target = target;
  req.body = consensus::encode_messages({msg(MessageType::kAppend, kSender, kSelf, 1)});
  CHECK(handler.serve(req).status == 410);
  CHECK(delivered.empty());
}

TEST_CASE("peer handler: GET /members serves the provider's snapshot with both headers",
          "[peer_handler]") {
  Fixture f;
  const std::string members = R"([{"id":"1","name":"a","peerURLs":["http://127.0.0.1:2380"],)"
                              R"("clientURLs":["http://127.0.0.1:2379"]}])";
  int calls = 0;
  f.handler.set_members_provider([&] {
    ++calls;
    return transport::MembersSnapshot{members, 12345678901ULL};
  });
  auto r = f.serve("GET", "/members");
  CHECK(r.status == 200);
  CHECK(r.content_type == "application/json");
  CHECK(r.body == members);
  CHECK_FALSE(r.head);
  CHECK(header(r, "X-Etcd-Cluster-ID") == "c1c1c1c1");
  CHECK(header(r, "X-Larch-Conf-Index") == "12345678901");
  CHECK(calls == 1);

  auto h = f.serve("HEAD", "/members");  // headers only; body kept for Content-Length
  CHECK(h.status == 200);
  CHECK(h.head);
  CHECK(h.body == members);
  CHECK(header(h, "X-Etcd-Cluster-ID") == "c1c1c1c1");
  CHECK(header(h, "X-Larch-Conf-Index") == "12345678901");

  CHECK(f.serve("GET", "/members?x=1").status == 200);  // the query is not the path
  CHECK(f.serve("GET", "/members/").status == 404);

  for (const char* method : {"POST", "PUT", "DELETE"}) {
    INFO(method);
    auto bad = f.serve(method, "/members");
    CHECK(bad.status == 405);
    CHECK(header(bad, "Allow") == "GET, HEAD");
  }
  CHECK(calls == 3);  // a refused method does not ask the provider
  CHECK(f.delivered.empty());
}

TEST_CASE("peer handler: GET /members without a provider -> 404", "[peer_handler]") {
  Fixture f;
  for (const char* method : {"GET", "HEAD", "POST"}) {
    INFO(method);
    auto r = f.serve(method, "/members");
    CHECK(r.status == 404);
    CHECK(r.body == "404 page not found\n");
  }
}
