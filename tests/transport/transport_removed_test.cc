// The removed-member signal: a member that was removed from the cluster while it was away
// learns it from the 410 its peers answer to its POSTs. Transport must call on_removed once,
// however many peers and POSTs say so, on the larch-peer thread; nothing it sent is
// delivered; other refusals (412) are not mistaken for removal.
#include <pthread.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <mutex>
#include <string>
#include <vector>

#include "loopback_peers.h"
#include "transport/transport.h"

using namespace larch;
using namespace larch::transport::testing;
using consensus::Message;
using consensus::MessageType;

namespace {

constexpr uint64_t kCluster = 0x41041041ULL;
constexpr consensus::NodeId kSelf = 1;

Message heartbeat(consensus::NodeId to, uint64_t term) {
  Message m;
  m.type = MessageType::kHeartbeat;
  m.from = kSelf;
  m.to = to;
  m.term = term;
  return m;
}

// A PeerListener configuration: the member `removed` has been removed from the cluster.
PeerListener::Configure removing(consensus::NodeId removed) {
  return [removed](transport::PeerHandler& h) {
    h.set_is_removed([removed](consensus::NodeId id) { return id == removed; });
  };
}

// Counts on_removed calls and remembers the name of the thread they ran on.
struct RemovedProbe {
  std::atomic<int> calls{0};
  std::mutex mu;
  std::string thread_name;

  std::function<void()> callback() {
    return [this] {
      char name[32] = {};
      pthread_getname_np(pthread_self(), name, sizeof name);
      std::lock_guard lock(mu);
      thread_name = name;
      calls.fetch_add(1);
    };
  }
};

uint64_t failed(const transport::Transport& t, consensus::NodeId id) {
  return t.stats().at(id).failed_batches;
}

}  // namespace

TEST_CASE("transport: peers answering 410 call on_removed exactly once", "[transport][removed]") {
  Inbox inbox2, inbox3;
  PeerListener peer2(kCluster, 2, inbox2, 0, removing(kSelf));
  PeerListener peer3(kCluster, 3, inbox3, 0, removing(kSelf));
  LogLines log;
  RemovedProbe probe;
  transport::Transport t(kCluster, kSelf,
                         {{2, "127.0.0.1", peer2.port()}, {3, "127.0.0.1", peer3.port()}},
                         log.logger());
  t.set_on_removed(probe.callback());
  t.start();
  // Several refused POSTs from both senders (raft keeps sending until the member stops).
  uint64_t term = 0;
  REQUIRE(wait_until([&] {
    ++term;
    t.send({heartbeat(2, term), heartbeat(3, term)});
    return failed(t, 2) >= 3 && failed(t, 3) >= 3;
  }));
  t.stop();
  CHECK(probe.calls.load() == 1);
  {
    std::lock_guard lock(probe.mu);
    CHECK(probe.thread_name == "larch-peer");
  }
  CHECK(inbox2.deliveries() == 0);
  CHECK(inbox3.deliveries() == 0);
  CHECK(t.stats().at(2).sent_messages == 0);
  CHECK(log.contains("HTTP 410"));
  CHECK(log.contains("permanently removed"));
}

TEST_CASE("transport: a peer added at runtime that answers 410 calls on_removed",
          "[transport][removed]") {
  Inbox inbox;
  PeerListener peer(kCluster, 2, inbox, 0, removing(kSelf));
  LogLines log;
  RemovedProbe probe;
  transport::Transport t(kCluster, kSelf, {}, log.logger());
  t.set_on_removed(probe.callback());
  t.start();
  t.add_peer({2, "127.0.0.1", peer.port()});
  t.send({heartbeat(2, 1)});
  REQUIRE(wait_until([&] { return probe.calls.load() == 1; }));
  CHECK(inbox.deliveries() == 0);
  t.stop();
  CHECK(probe.calls.load() == 1);
}

TEST_CASE("transport: other refusals and other members' removal do not call on_removed",
          "[transport][removed]") {
  Inbox inbox_other, inbox_mismatch;
  // Peer 2 knows that member 7 was removed, not this one: traffic flows.
  PeerListener other(kCluster, 2, inbox_other, 0, removing(7));
  // Peer 3 belongs to another cluster: 412, a failure but not a removal.
  PeerListener mismatch(kCluster + 1, 3, inbox_mismatch, 0, removing(kSelf));
  LogLines log;
  RemovedProbe probe;
  transport::Transport t(kCluster, kSelf,
                         {{2, "127.0.0.1", other.port()}, {3, "127.0.0.1", mismatch.port()}},
                         log.logger());
  t.set_on_removed(probe.callback());
  t.start();
  t.send({heartbeat(2, 1), heartbeat(3, 1)});
  REQUIRE(wait_until([&] { return inbox_other.size() == 1 && failed(t, 3) >= 1; }));
  REQUIRE(wait_until([&] { return t.stats().at(2).sent_messages == 1; }));
  t.stop();
  CHECK(probe.calls.load() == 0);
  CHECK(log.contains("HTTP 412"));
  CHECK(inbox_mismatch.deliveries() == 0);
}

TEST_CASE("transport: a 410 without an on_removed callback is just a failed batch",
          "[transport][removed]") {
  Inbox inbox;
  PeerListener peer(kCluster, 2, inbox, 0, removing(kSelf));
  LogLines log;
  transport::Transport t(kCluster, kSelf, {{2, "127.0.0.1", peer.port()}}, log.logger());
  t.start();
  uint64_t term = 0;
  REQUIRE(wait_until([&] {
    t.send({heartbeat(2, ++term)});
    return failed(t, 2) >= 2;
  }));
  CHECK(inbox.deliveries() == 0);
}
