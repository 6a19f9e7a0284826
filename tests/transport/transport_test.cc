// Transport over real loopback sockets against the production PeerHandler + accept_loop:
// messages arrive intact and in order, are routed by `to`, are counted in stats(); a peer
// that goes away costs failed batches, not a crash, and is used again once it is back; a
// member of another cluster is refused (412) and gets nothing delivered; a peer's broken
// answer does not spoil later connections; an idle sender probes its peer's reachability.
// All waits are bounded by a deadline; no sleep is an assertion.
#include "transport/transport.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "loopback_peers.h"

using namespace larch;
using namespace larch::transport::testing;
using consensus::Message;
using consensus::MessageType;

namespace {

constexpr uint64_t kCluster = 0x5eed5eed5eedULL;
constexpr consensus::NodeId kSelf = 1;

Message make_message(consensus::NodeId to, uint64_t i) {
  return numbered_message(kSelf, to, i);
}

// One Transport (member kSelf) sending to one PeerListener (member 2), which a test may stop
// and replace on the same port.
struct OnePeer {
  Inbox inbox;
  std::unique_ptr<PeerListener> peer = std::make_unique<PeerListener>(kCluster, 2, inbox);
  const uint16_t port = peer->port();
  LogLines log;
  transport::Transport t{kCluster, kSelf, {{2, "127.0.0.1", port}}, log.logger()};
};

}  // namespace

TEST_CASE("transport: messages to one peer arrive intact, in order, and are counted",
          "[transport]") {
  Inbox inbox;
  PeerListener peer(kCluster, 2, inbox);
  LogLines log;
  // The member list includes self, which must not get a sender.
  transport::Transport t(kCluster, kSelf, {{kSelf, "127.0.0.1", 1}, {2, "127.0.0.1", peer.port()}},
                         log.logger());
  auto all = t.stats();
  REQUIRE(all.size() == 1);
  REQUIRE(all.count(2) == 1);
  t.start();

  // Many small send() calls: several end up batched into one POST while another is in
  // flight, which must neither reorder nor lose anything.
  std::vector<Message> sent;
  for (uint64_t i = 1; i <= 300; ++i) {
    Message m = make_message(2, i);
    sent.push_back(m);
    std::vector<Message> call{m};
    // Messages to self and to an unknown member are dropped by the transport.
    if (i % 50 == 0) call.push_back(make_message(kSelf, i));
    if (i % 70 == 0) call.push_back(make_message(9, i));
    t.send(std::move(call));
  }

  REQUIRE(wait_until([&] { return inbox.size() >= sent.size(); }));
  CHECK(inbox.messages() == sent);
  // Counted once the 204 is read, which is after delivery: poll.
  REQUIRE(wait_until([&] { return stats_of(t, 2).sent_messages == sent.size(); }));
  auto s = stats_of(t, 2);
  CHECK(s.failed_batches == 0);
  CHECK(s.dropped_messages == 0);
  CHECK(s.sent_bytes > 0);
  CHECK(s.last_rtt_ns > 0);
  t.stop();
  CHECK(inbox.size() == sent.size());  // nothing was sent twice
}

TEST_CASE("transport: one send() with messages for several peers is routed by `to`",
          "[transport]") {
  Inbox inbox2, inbox3;
  PeerListener peer2(kCluster, 2, inbox2);
  PeerListener peer3(kCluster, 3, inbox3);
  LogLines log;
  transport::Transport t(kCluster, kSelf,
                         {{2, "127.0.0.1", peer2.port()}, {3, "127.0.0.1", peer3.port()}},
                         log.logger());
  t.start();
  std::vector<Message> to2, to3;
  for (uint64_t round = 0; round < 20; ++round) {
    std::vector<Message> ready;  // interleaved, like the messages of one Ready
    for (uint64_t k = 0; k < 5; ++k) {
      uint64_t i = round * 10 + k;
      ready.push_back(make_message(2, i));
      to2.push_back(ready.back());
      ready.push_back(make_message(3, i + 1000));
      to3.push_back(ready.back());
    }
    t.send(std::move(ready));
  }
  REQUIRE(wait_until([&] { return inbox2.size() >= to2.size() && inbox3.size() >= to3.size(); }));
  CHECK(inbox2.messages() == to2);
  CHECK(inbox3.messages() == to3);
  REQUIRE(wait_until([&] {
    return stats_of(t, 2).sent_messages == to2.size() && stats_of(t, 3).sent_messages == to3.size();
  }));
}

TEST_CASE("transport: a peer that goes down costs failed batches and is used again once back",
          "[transport]") {
  OnePeer one;
  auto& [inbox, peer, port, log, t] = one;
  t.start();

  // Up: the first message opens the persistent connection.
  t.send({make_message(2, 1)});
  REQUIRE(wait_until([&] { return inbox.size() == 1; }));
  REQUIRE(wait_until([&] { return stats_of(t, 2).sent_messages == 1; }));

  // Down: the open connection is closed under the sender and new connects are refused.
  peer->stop();
  peer.reset();
  uint64_t next = 2;
  REQUIRE(wait_until([&] {
    t.send({make_message(2, next++)});
    return stats_of(t, 2).failed_batches >= 2;  // the stale connection, then a refused connect
  }));
  CHECK(log.contains("cannot reach peer 127.0.0.1:" + std::to_string(port)));
  CHECK(inbox.size() == 1);

  // Back on the same port (SO_REUSEADDR): after its backoff (at most 1 s) the sender
  // reconnects and traffic flows again. Keep sending, as raft would retransmit.
  peer = std::make_unique<PeerListener>(kCluster, 2, inbox, port);
  REQUIRE(peer->port() == port);
  REQUIRE(wait_until([&] {
    t.send({make_message(2, next++)});
    return inbox.size() >= 2;
  }));
  // What arrives after the outage is a run of consecutive messages: batches that failed are
  // dropped (raft retransmits), never reordered or duplicated.
  auto got = inbox.messages();
  REQUIRE(got.front() == make_message(2, 1));
  uint64_t expect = got[1].index;
  CHECK(expect >= 2);
  for (size_t k = 1; k < got.size(); ++k) CHECK(got[k] == make_message(2, expect++));
  REQUIRE(wait_until([&] { return stats_of(t, 2).sent_messages >= 2; }));
  REQUIRE(wait_until([&] { return log.contains("is reachable again"); }));

  // A message sent now, on the re-established connection, arrives without another failure.
  uint64_t failed = stats_of(t, 2).failed_batches;
  t.send({make_message(2, 100000)});
  REQUIRE(wait_until([&] { return inbox.messages().back() == make_message(2, 100000); }));
  CHECK(stats_of(t, 2).failed_batches == failed);
}

TEST_CASE("transport: a member of another cluster is refused with 412 and nothing is delivered",
          "[transport]") {
  Inbox inbox;
  PeerListener peer(kCluster, 2, inbox);
  LogLines log;
  transport::Transport t(kCluster + 1, kSelf, {{2, "127.0.0.1", peer.port()}}, log.logger());
  t.start();
  t.send({make_message(2, 1), make_message(2, 2)});
  // A failed batch is counted after the response is read, i.e. after any delivery would
  // have happened, so an empty inbox then is conclusive.
  REQUIRE(wait_until([&] { return stats_of(t, 2).failed_batches >= 1; }));
  CHECK(inbox.size() == 0);
  CHECK(inbox.deliveries() == 0);
  CHECK(stats_of(t, 2).sent_messages == 0);
  CHECK(log.contains("HTTP 412"));
  CHECK(log.contains("cluster ID mismatch"));
}

TEST_CASE("transport: bytes left over from one connection never reach the next", "[transport]") {
  // The sender reuses one read buffer. Whatever the first connection left in it (an
  // unparsable answer, a truncated one, bytes after a final response) must be discarded
  // with that connection; otherwise every later response to this peer is misparsed and the
  // peer stays unreachable for good. Later connections are answered properly.
  std::string first;
  uint64_t first_failures = 1;
  SECTION("an answer that is not HTTP") {
    first = "XYZ not http\r\n\r\n";
  }
  SECTION("half a status block") {
    first = "HTTP/1.1 204 No Content\r\n";
  }
  SECTION("extra bytes after a Connection: close response") {
    first = "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\nHTTP/1.1 2";
    first_failures = 0;  // this POST itself succeeds
  }
  ScriptedPeer peer([&first](uint64_t connection) {
    if (connection == 0) return ScriptedPeer::Reply{first, true};
    return ScriptedPeer::Reply{"HTTP/1.1 204 No Content\r\n\r\n", false};
  });
  LogLines log;
  transport::Transport t(kCluster, kSelf, {{2, "127.0.0.1", peer.port()}}, log.logger());
  t.start();
  t.send({make_message(2, 1)});
  REQUIRE(wait_until([&] { return peer.requests() == 1; }));
  REQUIRE(wait_until([&] {
    auto s = stats_of(t, 2);
    return s.failed_batches + s.sent_messages == 1;
  }));
  CHECK(stats_of(t, 2).failed_batches == first_failures);
  uint64_t sent_before = stats_of(t, 2).sent_messages;
  uint64_t next = 2;
  REQUIRE(wait_until([&] {
    t.send({make_message(2, next++)});
    return stats_of(t, 2).sent_messages > sent_before;
  }));
  CHECK(stats_of(t, 2).failed_batches == first_failures);
  t.stop();
}

// Reachability probes (for --strict-reconfig-check): a sender with nothing to send POSTs an
// empty batch every second, so a member knows how long it has reached each peer even when
// raft sends it nothing (two followers).
TEST_CASE(
    "transport: an idle sender probes its peer; reachable since the first success, "
    "cleared while the peer is down",
    "[transport]") {
  OnePeer one;
  auto& [inbox, peer, port, log, t] = one;
  REQUIRE(stats_of(t, 2).active_since_ns == 0);
  t.start();

  // No raft message is ever sent: only probes can make the peer reachable.
  REQUIRE(wait_until([&] { return stats_of(t, 2).active_since_ns != 0; }, 5s));
  int64_t since = stats_of(t, 2).active_since_ns;
  // Later probes keep the same start: reachability is continuous.
  std::this_thread::sleep_for(1500ms);  // spans at least one more probe
  CHECK(stats_of(t, 2).active_since_ns == since);
  auto s = stats_of(t, 2);
  CHECK(s.sent_messages == 0);  // probes are not raft traffic
  CHECK(s.rtt_count == 0);
  CHECK(inbox.size() == 0);

  // Down: the next probe fails and reachability is cleared (not counted as a failed batch).
  peer->stop();
  peer.reset();
  REQUIRE(wait_until([&] { return stats_of(t, 2).active_since_ns == 0; }, 5s));
  CHECK(stats_of(t, 2).failed_batches == 0);

  // Back on the same port: reachable again, since a later time.
  peer = std::make_unique<PeerListener>(kCluster, 2, inbox, port);
  REQUIRE(wait_until([&] { return stats_of(t, 2).active_since_ns > since; }, 5s));
}
