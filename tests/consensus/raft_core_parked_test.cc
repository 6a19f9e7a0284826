// Parked proposals (held while no leader can take them) and leadership asked for by a
// follower (kTransferLeader).
#include <algorithm>
#include <catch2/catch.hpp>

#include "consensus/raft_core.h"
#include "sim_network.h"

using namespace larch::consensus;
using larch::consensus::test::SimNetwork;

namespace {

size_t count(const std::vector<std::string>& v, const std::string& s) {
  return static_cast<size_t>(std::count(v.begin(), v.end(), s));
}

}  // namespace

TEST_CASE("a follower that asks for leadership gets it", "[raft][transfer][parked]") {
  SimNetwork net({1, 2, 3}, 71);
  REQUIRE(net.elect(1));
  uint64_t term = net.core(1).term();
  REQUIRE(net.request_leadership(1).outcome == RequestOutcome::kAccepted);
  REQUIRE(net.pool().empty());
  auto r = net.request_leadership(2);
  REQUIRE(r.outcome == RequestOutcome::kForwarded);
  REQUIRE(r.leader == 1);
  REQUIRE(net.pool().size() == 1);
  REQUIRE(net.pool()[0].type == MessageType::kTransferLeader);
  net.stabilize();
  REQUIRE(net.core(2).role() == Role::kLeader);
  REQUIRE(net.core(2).term() == term + 1);
  REQUIRE(net.core(1).leader() == 2);
  REQUIRE(net.core(3).leader() == 2);
  REQUIRE(net.violations().empty());
}

TEST_CASE("without a leader a follower cannot ask for leadership", "[raft][transfer][parked]") {
  SimNetwork net({1, 2, 3}, 73);
  REQUIRE(net.request_leadership(2).outcome == RequestOutcome::kNoLeader);
}

TEST_CASE("no proposal is lost or doubled when a follower takes over the leadership",
          "[raft][transfer][parked]") {
  // Writes keep arriving at both followers while follower 3, lagging behind, takes the
  // leadership: the old leader parks the ones it gets during the transfer and forwards them
  // to the new leader, so every proposal is applied exactly once.
  SimNetwork net({1, 2, 3}, 79);
  REQUIRE(net.elect(1));
  net.isolate(3);
  for (int i = 0; i < 4; ++i) REQUIRE(net.propose(1, "a" + std::to_string(i)).accepted());
  net.stabilize();
  net.heal();
  REQUIRE(net.request_leadership(3).outcome == RequestOutcome::kForwarded);
  std::vector<std::string> sent;
  int during_transfer = 0;  // proposals made while the old leader was handing over
  for (int i = 0; net.core(3).role() != Role::kLeader && i < 200; ++i) {
    for (NodeId from : {NodeId{2}, NodeId{3}}) {
      std::string v = "w" + std::to_string(from) + "-" + std::to_string(i);
      if (net.propose(from, v).outcome != RequestOutcome::kDropped) sent.push_back(v);
    }
    if (net.core(1).lead_transferee() == 3) ++during_transfer;
    for (int k = 0; k < 4 && !net.pool().empty(); ++k) net.deliver(0);
  }
  REQUIRE(net.core(3).role() == Role::kLeader);
  REQUIRE(during_transfer > 0);
  net.stabilize();
  for (NodeId id : net.ids()) {
    auto got = net.applied_data(id);
    for (const auto& v : sent) REQUIRE(count(got, v) == 1);
  }
  REQUIRE(net.violations().empty());
}

TEST_CASE("parked proposals are dropped after two election timeouts", "[raft][parked]") {
  SimNetwork net({1, 2, 3}, 83);
  net.isolate(2);
  REQUIRE(net.propose(2, "too-late").outcome == RequestOutcome::kParked);
  for (int i = 0; i < 2 * 10; ++i) {
    net.tick(2);
    net.stabilize();
  }
  net.heal();
  REQUIRE(net.elect(1));
  net.stabilize();
  for (NodeId id : net.ids()) REQUIRE(count(net.applied_data(id), "too-late") == 0);
  REQUIRE(net.violations().empty());
}

TEST_CASE("parking is bounded by the uncommitted-bytes budget", "[raft][parked]") {
  SimNetwork net({1, 2, 3}, 89, [](RaftConfig& c) { c.max_uncommitted_bytes = 10; });
  REQUIRE(net.propose(2, "123456").outcome == RequestOutcome::kParked);
  REQUIRE(net.propose(2, "123456").outcome == RequestOutcome::kDropped);
  REQUIRE(net.elect(1));
  net.stabilize();
  for (NodeId id : net.ids()) {
    REQUIRE(net.applied_data(id) == std::vector<std::string>{"123456"});
  }
}

TEST_CASE("a transfer that fails releases the parked proposals to the old leader",
          "[raft][transfer][parked]") {
  SimNetwork net({1, 2, 3}, 97);
  REQUIRE(net.elect(1));
  net.isolate(3);
  REQUIRE(net.propose(1, "x").accepted());
  REQUIRE(net.transfer(1, 3).accepted());  // 3 is behind and unreachable: the transfer waits
  REQUIRE(net.propose(1, "held").outcome == RequestOutcome::kParked);
  for (int i = 0; i < 10 && net.core(1).lead_transferee() != kNoNode; ++i) {
    net.tick(1);
    net.stabilize();
  }
  REQUIRE(net.core(1).lead_transferee() == kNoNode);
  net.stabilize();
  REQUIRE(net.core(1).role() == Role::kLeader);
  REQUIRE(net.applied_data(1) == std::vector<std::string>{"x", "held"});
  REQUIRE(net.violations().empty());
}
