// Transport shutdown and back-pressure: stop() must return promptly whatever the senders are
// doing (backing off from an unreachable peer, waiting for the answer to a POST, or just
// starting one), because the server's shutdown waits for it; and the per-peer queue must
// stay bounded while a peer does not answer. The bound used for "promptly" (2 s) is well
// under the sender's 5 s I/O timeout, so a stop() that merely waited for the timeout fails.
#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "loopback_peers.h"
#include "transport/transport.h"

using namespace larch;
using namespace larch::transport::testing;
using consensus::Message;
using consensus::MessageType;

namespace {

constexpr uint64_t kCluster = 0xabcdefULL;
constexpr auto kPrompt = std::chrono::milliseconds(2000);

Message heartbeat(consensus::NodeId to, uint64_t term) {
  Message m;
  m.type = MessageType::kHeartbeat;
  m.from = 1;
  m.to = to;
  m.term = term;
  return m;
}

}  // namespace

TEST_CASE("transport stop: start and stop without peers or traffic, stop is idempotent",
          "[transport][stop]") {
  LogLines log;
  {
    transport::Transport t(kCluster, 1, {}, log.logger());
    t.stop();  // before start: nothing to do
    t.start();
    t.send({heartbeat(2, 1)});  // no such peer: dropped
    t.send({});
    CHECK(timed_stop(t) < kPrompt);
    CHECK(timed_stop(t) < kPrompt);
    CHECK(t.stats().empty());
  }
  {
    // Never started: the destructor must not hang or touch anything.
    transport::Transport t(kCluster, 1, {{2, "127.0.0.1", closed_port()}}, log.logger());
    t.send({heartbeat(2, 1)});
  }
}

TEST_CASE("transport stop: prompt while the peer is unreachable, failures are counted",
          "[transport][stop]") {
  LogLines log;
  uint16_t port = closed_port();
  transport::Transport t(kCluster, 1, {{2, "127.0.0.1", port}}, log.logger());
  t.start();
  // Keep raft-like traffic going so the sender cycles through connect, fail and backoff.
  uint64_t term = 0;
  REQUIRE(wait_until([&] {
    t.send({heartbeat(2, ++term)});
    return stats_of(t, 2).failed_batches >= 3;
  }));
  CHECK(stats_of(t, 2).sent_messages == 0);
  CHECK(log.contains("cannot reach peer 127.0.0.1:" + std::to_string(port)));
  t.send({heartbeat(2, ++term)});
  CHECK(timed_stop(t) < kPrompt);
  // Sending after stop is harmless and goes nowhere.
  t.send({heartbeat(2, ++term)});
  CHECK(stats_of(t, 2).sent_messages == 0);
}

TEST_CASE("transport stop: prompt while a POST is waiting for its answer", "[transport][stop]") {
  SilentPeer peer;
  LogLines log;
  transport::Transport t(kCluster, 1, {{2, "127.0.0.1", peer.port()}}, log.logger());
  t.start();
  // Each request reaches the peer, which will never answer: a full window of POSTs in flight.
  constexpr uint64_t kWindow = transport::PeerSender::kWindow;
  for (uint64_t i = 1; i <= kWindow; ++i) {
    t.send({heartbeat(2, i)});
    REQUIRE(wait_until([&] { return peer.requests() >= i; }));
  }
  t.send({heartbeat(2, kWindow + 1)});  // queued behind them
  CHECK(timed_stop(t) < kPrompt);
  auto s = stats_of(t, 2);
  CHECK(s.sent_messages == 0);
  CHECK(s.failed_batches == kWindow);  // the cancelled POSTs
  CHECK(peer.requests() == kWindow);
}

TEST_CASE("transport stop: prompt when stopped at any point of a first send", "[transport][stop]") {
  // Sweeps the moment of stop() across the first send (resolve, connect, write, read) to a
  // peer that never answers: whatever the sender was doing, stop() must cancel it rather
  // than let it run into the I/O timeout.
  SilentPeer peer;
  LogLines log;
  for (int i = 0; i < 40; ++i) {
    INFO("iteration " << i);
    transport::Transport t(kCluster, 1, {{2, "127.0.0.1", peer.port()}}, log.logger());
    t.start();
    t.send({heartbeat(2, 1)});
    std::this_thread::sleep_for(std::chrono::microseconds(25 * i));  // where to stop, not a wait
    CHECK(timed_stop(t) < kPrompt);
  }
}

// A transport whose one peer (member 2) never answers, with a full window of POSTs to it in
// flight: what is sent to 2 from now on stays queued.
struct StuckPeer {
  SilentPeer peer;
  LogLines log;
  transport::Transport t{kCluster, 1, {{2, "127.0.0.1", peer.port()}}, log.logger()};
  StuckPeer() {
    t.start();
    for (uint64_t i = 1; i <= transport::PeerSender::kWindow; ++i) {
      t.send({heartbeat(2, i)});
      REQUIRE(wait_until([&] { return peer.requests() >= i; }));
    }
  }
};

TEST_CASE("transport: the queue of a peer that does not answer is bounded", "[transport]") {
  StuckPeer stuck;
  transport::Transport& t = stuck.t;
  // 80 appends of 1 MiB each while the POST is stuck: more than the 64 MiB bound.
  constexpr size_t kCount = 80;
  constexpr size_t kEntry = 1u << 20;
  static_assert(kCount * kEntry > transport::PeerSender::kMaxQueuedBytes);
  for (uint64_t i = 0; i < kCount; ++i) {
    Message m = heartbeat(2, 1);
    m.type = MessageType::kAppend;
    m.index = i;
    m.entries = {
        consensus::Entry{1, i + 1, consensus::EntryType::kNormal, std::string(kEntry, 'x')}};
    t.send({std::move(m)});
  }
  // At least what exceeds the bound is dropped; what fits is kept.
  constexpr size_t kMinDropped = kCount - transport::PeerSender::kMaxQueuedBytes / kEntry;
  REQUIRE(wait_until([&] { return stats_of(t, 2).dropped_messages >= kMinDropped; }));
  auto s = stats_of(t, 2);
  CHECK(s.dropped_messages < kCount / 2);
  CHECK(s.sent_messages == 0);
  CHECK(timed_stop(t) < kPrompt);
}
