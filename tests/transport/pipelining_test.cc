// HTTP/1.1 pipelining on the peer port: PeerSession reads requests ahead of its answers and
// delivers them in order, answering in request order; PeerSender keeps up to kWindow POSTs
// in flight on one connection. Real loopback sockets; every wait is bounded.
#include <sys/socket.h>
#include <sys/time.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <catch2/catch.hpp>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "consensus/message_codec.h"
#include "loopback_peers.h"
#include "transport/peer_target.h"
#include "transport/reply_router.h"
#include "transport/transport.h"

using namespace larch;
using namespace larch::transport::testing;
using consensus::Message;
using consensus::MessageType;

namespace {

constexpr uint64_t kCluster = 0x9199e11aULL;
constexpr consensus::NodeId kA = 1, kB = 2;
namespace bhttp = boost::beast::http;

// Member B: a PeerListener whose held deliveries are parked in `held`.
struct HoldingPeer {
  Inbox inbox;
  HeldBatches held;
  transport::ReplyRouter router;
  PeerListener listener{kCluster, kB, inbox, 0, [this](transport::PeerHandler& h) {
                          h.set_held_replies(&router, [this](auto msgs, auto processed) {
                            held.add(std::move(msgs), std::move(processed));
                          });
                        }};
};

// A raw client connection with a receive timeout, so no read can hang the test.
struct RawClient {
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::socket socket{ioc};
  boost::beast::flat_buffer buffer;

  explicit RawClient(uint16_t port) {
    socket.connect({boost::asio::ip::make_address("127.0.0.1"), port});
    timeval tv{10, 0};
    setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  void write(const std::string& bytes) { boost::asio::write(socket, boost::asio::buffer(bytes)); }
  bhttp::response<bhttp::string_body> read_response() {
    bhttp::response<bhttp::string_body> res;
    bhttp::read(socket, buffer, res);
    return res;
  }
  // Bytes available without blocking (0: no response has been written yet).
  size_t available() { return socket.available() + buffer.size(); }
};

std::string held_post(uint64_t index) {
  std::string body = consensus::encode_messages({typed(MessageType::kAppend, kA, kB, index)});
  return "POST " + transport::raft_target(kCluster, kA, true) +
         " HTTP/1.1\r\nHost: b\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" +
         body;
}

std::vector<Message> reply_of(const bhttp::response<bhttp::string_body>& res) {
  auto decoded = consensus::decode_messages(res.body());
  REQUIRE(decoded);
  return *decoded;
}

}  // namespace

TEST_CASE("peer session: pipelined requests are delivered at once and answered in order",
          "[pipelining]") {
  HoldingPeer b;
  RawClient client(b.listener.port());
  client.write(held_post(1) + held_post(2) + held_post(3));  // one write, three requests
  // All three reach the raft loop before any is processed: the session read ahead.
  REQUIRE(wait_until([&] { return b.held.size() == 3; }));
  CHECK(b.held.first_indexes() == std::vector<uint64_t>{1, 2, 3});
  CHECK(client.available() == 0);  // and nothing is answered yet
  // B's answer goes to the oldest open POST; the third is processed first but answered last.
  std::vector<Message> ack{typed(MessageType::kAppendResp, kB, kA, 1)};
  REQUIRE(b.router.offer(kA, ack));
  b.held.release(2);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // a chance to misbehave
  CHECK(client.available() == 0);                              // waits behind the first two
  b.held.release(0);
  auto r1 = client.read_response();
  CHECK(r1.result_int() == 200);
  auto msgs = reply_of(r1);
  REQUIRE(msgs.size() == 1);
  CHECK(msgs[0].index == 1);
  std::vector<Message> ack2{typed(MessageType::kAppendResp, kB, kA, 2)};
  REQUIRE(b.router.offer(kA, ack2));  // now the second POST's
  b.held.release(1);
  auto r2 = client.read_response();
  CHECK(r2.result_int() == 200);
  REQUIRE(reply_of(r2).size() == 1);
  CHECK(reply_of(r2)[0].index == 2);
  auto r3 = client.read_response();
  CHECK(r3.result_int() == 204);  // processed, nothing to say
}

TEST_CASE("peer session: a malformed request behind a held one is answered after it",
          "[pipelining]") {
  HoldingPeer b;
  RawClient client(b.listener.port());
  client.write(held_post(7) + "BLAH\r\n\r\n");
  REQUIRE(wait_until([&] { return b.held.size() == 1; }));
  b.held.release(0);
  auto r1 = client.read_response();
  CHECK(r1.result_int() == 204);
  auto r2 = client.read_response();
  CHECK(r2.result_int() == 400);
  // Then the connection ends.
  char byte;
  boost::system::error_code ec;
  client.socket.read_some(boost::asio::buffer(&byte, 1), ec);
  CHECK(ec == boost::asio::error::eof);
}

TEST_CASE("peer session: a held reply never released is answered after the hold", "[pipelining]") {
  HoldingPeer b;
  RawClient client(b.listener.port());
  client.write(held_post(1) + held_post(2));
  REQUIRE(wait_until([&] { return b.held.size() == 2; }));
  auto started = std::chrono::steady_clock::now();
  CHECK(client.read_response().result_int() == 204);
  CHECK(client.read_response().result_int() == 204);
  CHECK(std::chrono::steady_clock::now() - started >= transport::PeerHandler::kReplyHold);
}

TEST_CASE("peer session: when the sender goes away its held replies are abandoned at once",
          "[pipelining]") {
  HoldingPeer b;
  {
    RawClient client(b.listener.port());
    client.write(held_post(1) + held_post(2));
    REQUIRE(wait_until([&] { return b.held.size() == 2; }));
    std::vector<Message> ack{typed(MessageType::kAppendResp, kB, kA, 1)};
    REQUIRE(b.router.offer(kA, ack));  // both slots are open
  }                                    // closed without waiting for the answers
  auto closed = std::chrono::steady_clock::now();
  // B's next messages for A find no slot (they would go by POST) well before the hold ends:
  // not into a dead connection's slot.
  REQUIRE(wait_until([&] {
    std::vector<Message> ack{typed(MessageType::kAppendResp, kB, kA, 2)};
    return !b.router.offer(kA, ack);
  }));
  CHECK(std::chrono::steady_clock::now() - closed < transport::PeerHandler::kReplyHold);
  b.held.release(0);  // late reports are harmless
  b.held.release(1);
}

TEST_CASE("peer sender: up to kWindow POSTs in flight on one connection, in order",
          "[pipelining][transport]") {
  HoldingPeer b;
  transport::Transport a(kCluster, kA, {{kB, "127.0.0.1", b.listener.port()}}, [](auto&) {});
  a.start();
  constexpr size_t kWindow = transport::PeerSender::kWindow;
  // One append at a time, each waited for: each travels in a POST of its own.
  for (uint64_t i = 1; i <= kWindow; ++i) {
    a.send({typed(MessageType::kAppend, kA, kB, i)});
    REQUIRE(wait_until([&] { return b.held.size() == i; }));
  }
  // The window is full: the next two wait in the sender's queue, to go as one POST.
  a.send({typed(MessageType::kAppend, kA, kB, kWindow + 1)});
  a.send({typed(MessageType::kAppend, kA, kB, kWindow + 2)});
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // a chance to misbehave
  CHECK(b.held.size() == kWindow);
  b.held.release(0);  // one answer: room for one more POST
  REQUIRE(wait_until([&] { return b.held.size() == kWindow + 1; }));
  std::vector<uint64_t> expected;
  for (uint64_t i = 1; i <= kWindow + 1; ++i) expected.push_back(i);
  CHECK(b.held.first_indexes() == expected);
  {
    std::lock_guard lock(b.held.mu);
    CHECK(b.held.batches.back().size() == 2);  // both queued appends, in order
    CHECK(b.held.batches.back().back().index == kWindow + 2);
  }
  for (size_t i = 1; i <= kWindow; ++i) b.held.release(i);
  REQUIRE(wait_until([&] { return a.stats().at(kB).sent_messages == kWindow + 2; }));
  auto s = a.stats().at(kB);
  CHECK(s.failed_batches == 0);
  a.stop();
}
