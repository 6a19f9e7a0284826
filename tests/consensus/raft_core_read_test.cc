// ReadIndex (Raft thesis §6.4).
#include <catch2/catch.hpp>

#include "consensus/memory_log_storage.h"
#include "consensus/raft_core.h"
#include "sim_network.h"

using namespace larch::consensus;
using larch::consensus::test::SimNetwork;

namespace {

bool is_heartbeat(const Message& m) {
  return m.type == MessageType::kHeartbeat;
}

size_t count(SimNetwork& net, MessageType type) {
  size_t n = 0;
  for (const Message& m : net.pool()) n += m.type == type;
  return n;
}

}  // namespace

TEST_CASE("read index is answered only after a heartbeat quorum", "[raft][read]") {
  SimNetwork net({1, 2, 3}, 71);
  REQUIRE(net.elect(1));
  net.propose(1, "a");
  net.stabilize();
  uint64_t commit = net.core(1).commit_index();
  REQUIRE(net.read_index(1, "r1").accepted());
  REQUIRE(net.node(1).read_states.empty());
  REQUIRE(count(net, MessageType::kHeartbeat) == 2);
  REQUIRE_FALSE(net.pool()[0].context.empty());
  // Heartbeat to 2 delivered, its response still in flight: not yet.
  REQUIRE(net.deliver_first([](const Message& m) { return is_heartbeat(m) && m.to == 2; }));
  REQUIRE(net.node(1).read_states.empty());
  // The response from 2 makes a quorum {1, 2}.
  REQUIRE(net.deliver_first(
      [](const Message& m) { return m.type == MessageType::kHeartbeatResp && m.from == 2; }));
  REQUIRE(net.node(1).read_states.size() == 1);
  REQUIRE(net.node(1).read_states[0] == ReadState{commit, "r1"});
  REQUIRE(net.violations().empty());
}

TEST_CASE("an isolated leader never confirms a read", "[raft][read]") {
  SimNetwork net({1, 2, 3}, 73);
  REQUIRE(net.elect(1));
  net.isolate(1);
  REQUIRE(net.read_index(1, "stale?").accepted());
  for (int i = 0; i < 30; ++i) {
    net.tick(1);
    net.stabilize();
  }
  REQUIRE(net.node(1).read_states.empty());
  REQUIRE(net.core(1).role() != Role::kLeader);
}

TEST_CASE("a new leader answers reads only after committing an entry of its term", "[raft][read]") {
  SimNetwork net({1, 2, 3}, 79);
  REQUIRE(net.elect(1));
  net.propose(1, "a");
  net.stabilize();
  net.crash(1);
  for (int i = 0; i < 10; ++i) net.tick(3);  // let 3's lease expire
  net.pool().clear();
  net.campaign(2);
  // Deliver the election but no appends: the no-op of the new term is not committed.
  for (int i = 0; i < 20 && net.core(2).role() != Role::kLeader; ++i) {
    net.deliver_first([](const Message& m) { return m.type != MessageType::kAppend; });
  }
  REQUIRE(net.core(2).role() == Role::kLeader);
  REQUIRE(net.read_index(2, "early").accepted());
  REQUIRE(count(net, MessageType::kHeartbeat) == 0);  // waits for the commit first
  net.stabilize();
  net.tick(2);
  net.stabilize();
  REQUIRE(net.node(2).read_states.size() == 1);
  REQUIRE(net.node(2).read_states[0].index == net.core(2).log().last_index());
  REQUIRE(net.core(2).log().term(net.node(2).read_states[0].index) == net.core(2).term());
}

TEST_CASE("concurrent read index requests share heartbeat rounds", "[raft][read]") {
  SimNetwork net({1, 2, 3}, 83);
  REQUIRE(net.elect(1));
  net.read_index(1, "r1");  // starts round 1
  net.read_index(1, "r2");  // wait for the next round ...
  net.read_index(1, "r3");  // ... together
  REQUIRE(count(net, MessageType::kHeartbeat) == 2);
  size_t heartbeats = 0;
  while (!net.pool().empty()) {
    heartbeats += is_heartbeat(net.pool()[0]);
    net.deliver(0);
  }
  REQUIRE(heartbeats == 4);  // two rounds for three reads
  REQUIRE(net.node(1).read_states.size() == 3);
  REQUIRE(net.node(1).read_states[0].context == "r1");
  REQUIRE(net.node(1).read_states[2].context == "r3");
}

TEST_CASE("a lost read round is completed by the next heartbeat", "[raft][read]") {
  SimNetwork net({1, 2, 3}, 89);
  REQUIRE(net.elect(1));
  net.read_index(1, "r");
  net.pool().clear();  // heartbeats of the round lost
  net.tick(1);         // the regular heartbeat carries the round
  net.stabilize();
  REQUIRE(net.node(1).read_states.size() == 1);
}

TEST_CASE("read index on a follower is forwarded and answered to the follower", "[raft][read]") {
  SimNetwork net({1, 2, 3}, 97);
  REQUIRE(net.read_index(2, "none").outcome == RequestOutcome::kNoLeader);
  REQUIRE(net.elect(1));
  net.propose(1, "a");
  net.stabilize();
  auto r = net.read_index(2, "f1");
  REQUIRE(r.outcome == RequestOutcome::kForwarded);
  REQUIRE(r.leader == 1);
  net.stabilize();
  REQUIRE(net.node(2).read_states.size() == 1);
  REQUIRE(net.node(2).read_states[0] == ReadState{net.core(1).commit_index(), "f1"});
  REQUIRE(net.node(1).read_states.empty());
}

TEST_CASE("a single voter answers read index once it committed in its term", "[raft][read]") {
  MemoryLogStorage storage;
  RaftCore core(RaftConfig{.id = 1, .voters = {1}}, storage, 1);
  core.campaign();
  REQUIRE(core.read_index("early").accepted());
  Ready rd = core.ready();
  REQUIRE(rd.read_states.empty());  // no-op not yet persisted, so not committed
  storage.persist(*rd.hard_state, rd.entries);
  core.advance(rd);
  rd = core.ready();
  REQUIRE(rd.read_states == std::vector<ReadState>{{1, "early"}});
  storage.persist(rd.hard_state.value_or(core.hard_state()), rd.entries);
  core.advance(rd);
  REQUIRE(core.read_index("now").accepted());
  rd = core.ready();
  REQUIRE(rd.read_states == std::vector<ReadState>{{1, "now"}});
  REQUIRE(rd.messages.empty());
}
