// Held replies: a member's answers to a POSTed request batch travel back in the POST's
// response (ReplySlot, ReplyRouter, PeerHandler::begin/finish, PeerSender/Transport on the
// other side) instead of in a POST of their own; batches without a request, snapshots, and
// answers later than the hold still go by POST. Real loopback sockets; every wait is bounded.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <mutex>
#include <vector>

#include "../temp_dir.h"
#include "consensus/message_codec.h"
#include "loopback_peers.h"
#include "transport/reply_router.h"
#include "transport/reply_slot.h"
#include "transport/transport.h"

using namespace larch;
using namespace larch::transport::testing;
using consensus::Message;
using consensus::MessageType;

namespace {

constexpr uint64_t kCluster = 0x4e1d4e1dULL;
constexpr consensus::NodeId kA = 1, kB = 2;

// Member B: a listener whose held deliveries run `answer` (on B's listener thread) with B's
// transport, which sends back to A. Member A: a transport sending to B, and a listener of
// its own for what B sends by POST.
struct Pair {
  using Answer = std::function<void(std::vector<Message>, std::function<void()>)>;
  Inbox a_inbox, b_inbox;
  larch::testing::TempDir snapshots;  // A's snapshot dir, and where B's images are made
  PeerListener a_listener{kCluster, kA, a_inbox, 0, [this](transport::PeerHandler& h) {
                            h.set_snapshot_dir(snapshots.path().string());
                          }};
  transport::Transport tb{kCluster, kB, {{kA, "127.0.0.1", a_listener.port()}}, [](auto&) {}};
  Answer answer;
  PeerListener b_listener{kCluster, kB, b_inbox, 0, [this](transport::PeerHandler& h) {
                            h.set_held_replies(&tb.replies(), [this](auto msgs, auto processed) {
                              answer(std::move(msgs), std::move(processed));
                            });
                          }};
  transport::Transport ta{kCluster, kA, {{kB, "127.0.0.1", b_listener.port()}}, [](auto&) {}};
  Inbox replies;  // what A's transport hands over from responses (set_deliver)

  explicit Pair(Answer a) : answer(std::move(a)) {
    ta.set_deliver([this](std::vector<Message> m) { replies.deliver(std::move(m)); });
    ta.start();
    tb.start();
  }
  ~Pair() {
    ta.stop();
    tb.stop();
  }
};

}  // namespace

TEST_CASE("reply slot: offered messages are taken once; a closed slot refuses", "[held_reply]") {
  boost::asio::io_context ioc(1);
  auto slot = std::make_shared<transport::ReplySlot>(ioc.get_executor());
  std::vector<Message> first{typed(MessageType::kAppendResp, kB, kA, 1)};
  REQUIRE(slot->offer(first));
  auto taken = slot->take();
  REQUIRE(taken.size() == 1);
  CHECK(taken[0].index == 1);
  std::vector<Message> late{typed(MessageType::kAppendResp, kB, kA, 2)};
  CHECK_FALSE(slot->offer(late));
  CHECK(late.size() == 1);  // left to the caller, intact
  CHECK(slot->take().empty());
}

TEST_CASE("reply slot: release() ends the wait early; without it the wait times out",
          "[held_reply]") {
  boost::asio::io_context ioc(1);
  auto released = std::make_shared<transport::ReplySlot>(ioc.get_executor());
  auto idle = std::make_shared<transport::ReplySlot>(ioc.get_executor());
  std::thread releaser([released] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    released->release();
  });
  auto started = std::chrono::steady_clock::now();
  auto f1 =
      boost::asio::co_spawn(ioc, released->wait(std::chrono::seconds(30)), boost::asio::use_future);
  ioc.run();
  f1.get();
  releaser.join();
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(20));
  ioc.restart();
  started = std::chrono::steady_clock::now();
  auto f2 = boost::asio::co_spawn(ioc, idle->wait(std::chrono::milliseconds(50)),
                                  boost::asio::use_future);
  ioc.run();
  f2.get();
  CHECK(std::chrono::steady_clock::now() - started >= std::chrono::milliseconds(50));
}

TEST_CASE("reply router: offers reach the oldest open slot; close forgets only that slot",
          "[held_reply]") {
  boost::asio::io_context ioc(1);
  transport::ReplyRouter router;
  auto msg = [](uint64_t index) {
    return std::vector<Message>{typed(MessageType::kHeartbeatResp, kB, kA, index)};
  };
  auto m1 = msg(1);
  CHECK_FALSE(router.offer(kA, m1));  // nothing open
  auto older = std::make_shared<transport::ReplySlot>(ioc.get_executor());
  auto newer = std::make_shared<transport::ReplySlot>(ioc.get_executor());
  auto other = std::make_shared<transport::ReplySlot>(ioc.get_executor());
  router.open(kA, older);
  router.open(kA, newer);
  router.open(kB, other);
  REQUIRE(router.offer(kA, m1));  // the oldest: answered first
  auto taken = older->take();     // answered, not yet closed: skipped from now on
  REQUIRE(taken.size() == 1);
  CHECK(taken[0].index == 1);
  auto m2 = msg(2);
  REQUIRE(router.offer(kA, m2));
  router.close(kA, other);  // not one of kA's: no effect
  auto m3 = msg(3);
  REQUIRE(router.offer(kA, m3));
  taken = newer->take();
  REQUIRE(taken.size() == 2);
  CHECK(taken[0].index == 2);
  CHECK(taken[1].index == 3);
  router.close(kA, newer);
  router.close(kA, older);
  auto m4 = msg(4);
  CHECK_FALSE(router.offer(kA, m4));
  CHECK(m4.size() == 1);  // left to the caller
  auto m5 = msg(5);
  REQUIRE(router.offer(kB, m5));  // kB's slot is still open
  CHECK(other->take().size() == 1);
}

TEST_CASE("held reply: a follower's answer rides back on the append POST", "[held_reply]") {
  Pair* self = nullptr;
  Pair pair([&self](std::vector<Message> msgs, std::function<void()> processed) {
    // B answers every append it gets, then reports the batch processed.
    std::vector<Message> acks;
    for (const auto& m : msgs) acks.push_back(typed(MessageType::kAppendResp, kB, kA, m.index));
    self->tb.send(std::move(acks));
    processed();
  });
  self = &pair;
  for (uint64_t i = 1; i <= 20; ++i) pair.ta.send({typed(MessageType::kAppend, kA, kB, i)});
  REQUIRE(wait_until([&] { return pair.replies.size() == 20; }));
  std::vector<uint64_t> indexes;
  for (const auto& m : pair.replies.messages()) {
    CHECK(m.type == MessageType::kAppendResp);
    CHECK(m.from == kB);
    indexes.push_back(m.index);
  }
  std::sort(indexes.begin(), indexes.end());
  for (uint64_t i = 1; i <= 20; ++i) CHECK(indexes[i - 1] == i);
  CHECK(pair.a_inbox.size() == 0);  // nothing went by B's own POSTs
  CHECK(pair.b_inbox.size() == 0);  // every batch held a request: none took the plain path
}

TEST_CASE("held reply: acks and forwarded proposals are not held; snapshots go by POST",
          "[held_reply]") {
  Pair* self = nullptr;
  Pair pair([&self](std::vector<Message> msgs, std::function<void()> processed) {
    std::vector<Message> out;
    for (const auto& m : msgs) {
      out.push_back(typed(MessageType::kSnapshot, kB, kA, m.index));
      out.back().snapshot = self->snapshots.write("image" + std::to_string(m.index), "bytes");
    }
    self->tb.send(std::move(out));
    processed();
  });
  self = &pair;
  // No request in the batch: delivered the plain way, answered 204 at once.
  pair.ta.send(
      {typed(MessageType::kAppendResp, kA, kB, 1), typed(MessageType::kPropose, kA, kB, 2)});
  REQUIRE(wait_until([&] { return pair.b_inbox.size() == 2; }));
  // A request answered with a snapshot: the snapshot is never put in a response.
  pair.ta.send({typed(MessageType::kHeartbeat, kA, kB, 3)});
  REQUIRE(wait_until([&] { return pair.a_inbox.size() == 1; }));
  CHECK(pair.a_inbox.messages()[0].type == MessageType::kSnapshot);
  CHECK(pair.replies.size() == 0);
}

TEST_CASE("held reply: an answer later than the hold goes by POST", "[held_reply]") {
  HeldBatches held;
  Pair pair([&](std::vector<Message> msgs, std::function<void()> processed) {
    held.add(std::move(msgs), std::move(processed));  // never reported processed in time
  });
  auto started = std::chrono::steady_clock::now();
  pair.ta.send({typed(MessageType::kVote, kA, kB, 1)});
  REQUIRE(wait_until([&] { return held.size() == 1; }));
  // The next POST goes at once (pipelined behind the first); each is answered (204) once its
  // hold expires.
  pair.ta.send({typed(MessageType::kVote, kA, kB, 2)});
  REQUIRE(wait_until([&] { return held.size() == 2; }));
  // Once the second POST has been answered too, no slot is open any more.
  REQUIRE(wait_until([&] { return pair.ta.stats().at(kB).sent_messages == 2; }));
  CHECK(std::chrono::steady_clock::now() - started >= transport::PeerHandler::kReplyHold);
  pair.tb.send({typed(MessageType::kVoteResp, kB, kA, 1)});  // no slot open any more
  REQUIRE(wait_until([&] { return pair.a_inbox.size() == 1; }));
  CHECK(pair.replies.size() == 0);
  held.release_all();  // late reports are harmless
}

TEST_CASE("held reply: a 200 answer's body is delivered (only what the peer sends to self)",
          "[held_reply]") {
  std::vector<Message> answer{typed(MessageType::kAppendResp, kB, kA, 7),
                              typed(MessageType::kAppendResp, kB, 9, 8),   // not to self
                              typed(MessageType::kAppendResp, 9, kA, 9)};  // not from kB
  std::string body = consensus::encode_messages(answer);
  std::atomic<int> posts{0};
  ScriptedPeer peer([&](uint64_t) {
    // The first POST gets the answers, the second an empty 200: both are successes.
    std::string b = posts.fetch_add(1) == 0 ? body : "";
    return ScriptedPeer::Reply{
        "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
        "Content-Length: " +
            std::to_string(b.size()) + "\r\n\r\n" + b,
        false};
  });
  Inbox replies;
  transport::Transport t(kCluster, kA, {{kB, "127.0.0.1", peer.port()}}, [](auto&) {});
  t.set_deliver([&](std::vector<Message> m) { replies.deliver(std::move(m)); });
  t.start();
  t.send({typed(MessageType::kAppend, kA, kB, 1)});
  REQUIRE(wait_until([&] { return t.stats().at(kB).sent_messages == 1; }));
  t.send({typed(MessageType::kAppend, kA, kB, 2)});
  REQUIRE(wait_until([&] { return t.stats().at(kB).sent_messages == 2; }));
  CHECK(t.stats().at(kB).failed_batches == 0);
  REQUIRE(replies.size() == 1);
  CHECK(replies.messages()[0].index == 7);
  t.stop();
}
