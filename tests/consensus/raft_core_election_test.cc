// Elections: single node, three nodes, re-election, pre-vote, check-quorum, transfer.
#include <catch2/catch.hpp>

#include "consensus/memory_log_storage.h"
#include "consensus/raft_core.h"
#include "sim_network.h"

using namespace larch::consensus;
using larch::consensus::test::SimNetwork;

namespace {

int count_leaders(SimNetwork& net) {
  int n = 0;
  for (NodeId id : net.ids()) {
    if (net.up(id) && net.core(id).role() == Role::kLeader) ++n;
  }
  return n;
}

}  // namespace

TEST_CASE("single node elects itself on its first election timeout and commits",
          "[raft][election]") {
  SimNetwork net({1}, 7);
  int ticks = 0;
  while (net.core(1).role() != Role::kLeader && ticks < 100) {
    net.tick(1);
    ++ticks;
  }
  REQUIRE(net.core(1).role() == Role::kLeader);
  REQUIRE(ticks >= 10);
  REQUIRE(ticks < 20);  // randomized timeout in [election_tick, 2*election_tick)
  REQUIRE(net.core(1).term() == 1);
  auto r = net.propose(1, "a");
  REQUIRE(r.outcome == RequestOutcome::kAccepted);
  REQUIRE(r.index == 2);  // after the leader's no-op
  REQUIRE(net.applied_data(1) == std::vector<std::string>{"a"});
  REQUIRE(net.violations().empty());
}

TEST_CASE("single voter commits only after its own log is persisted", "[raft][durability]") {
  MemoryLogStorage storage;
  RaftCore core(RaftConfig{.id = 1, .voters = {1}}, storage, 1);
  core.campaign();
  REQUIRE(core.role() == Role::kLeader);
  Ready rd = core.ready();
  REQUIRE(rd.soft_state.has_value());
  REQUIRE(rd.soft_state->role == Role::kLeader);
  REQUIRE(rd.entries.size() == 1);  // the no-op
  REQUIRE(rd.committed_entries.empty());
  REQUIRE(core.commit_index() == 0);
  storage.persist(*rd.hard_state, rd.entries);
  core.advance(rd);
  REQUIRE(core.commit_index() == 1);
  REQUIRE(core.has_ready());
  rd = core.ready();
  REQUIRE(rd.hard_state->commit == 1);
  REQUIRE(rd.committed_entries.size() == 1);
  storage.persist(*rd.hard_state, rd.entries);
  core.advance(rd);
  REQUIRE_FALSE(core.has_ready());
}

TEST_CASE("leader's own unpersisted entry does not count towards a 2-node quorum",
          "[raft][durability]") {
  SimNetwork net({1, 2}, 3);
  REQUIRE(net.elect(1));
  RaftCore& leader = net.core(1);
  uint64_t commit = leader.commit_index();
  // Drive the leader by hand: take the Ready with the proposal but do not advance yet.
  leader.propose("x");
  Ready rd = leader.ready();
  REQUIRE(rd.entries.size() == 1);
  net.node(1).storage->persist(rd.hard_state.value_or(leader.hard_state()), rd.entries);
  for (const Message& m : rd.messages) net.core(2).step(m);
  Ready frd = net.core(2).ready();
  net.node(2).storage->persist(frd.hard_state.value_or(net.core(2).hard_state()), frd.entries);
  net.core(2).advance(frd);
  for (const Message& m : frd.messages) leader.step(m);  // the follower's ack
  REQUIRE(leader.progress(2)->match() == rd.entries.back().index);
  REQUIRE(leader.commit_index() == commit);  // follower alone is not a quorum of 2
  leader.advance(rd);
  REQUIRE(leader.commit_index() == rd.entries.back().index);
}

TEST_CASE("three nodes elect exactly one leader that everybody follows", "[raft][election]") {
  SimNetwork net({1, 2, 3}, 11);
  net.run(40);
  REQUIRE(count_leaders(net) == 1);
  NodeId leader = net.leader();
  for (NodeId id : net.ids()) REQUIRE(net.core(id).leader() == leader);
  // Pre-vote: the winning pre-election does not waste a term.
  REQUIRE(net.core(leader).term() == 1);
  REQUIRE(net.violations().empty());
}

TEST_CASE("leader failure leads to re-election and the old leader rejoins as follower",
          "[raft][election]") {
  SimNetwork net({1, 2, 3}, 5);
  REQUIRE(net.elect(1));
  net.propose(1, "before");
  net.stabilize();
  uint64_t old_term = net.core(1).term();
  net.crash(1);
  net.run(40);
  NodeId leader = net.leader();
  REQUIRE((leader == 2 || leader == 3));
  REQUIRE(net.core(leader).term() > old_term);
  REQUIRE(net.propose(leader, "after").accepted());
  net.stabilize();
  net.restart(1);
  net.run(5);
  REQUIRE(net.core(1).role() == Role::kFollower);
  REQUIRE(net.core(1).leader() == leader);
  for (NodeId id : net.ids()) {
    REQUIRE(net.applied_data(id) == std::vector<std::string>{"before", "after"});
  }
  REQUIRE(net.violations().empty());
}

TEST_CASE("a partitioned node that rejoins does not disrupt the leader (pre-vote)",
          "[raft][election]") {
  SimNetwork net({1, 2, 3}, 9);
  REQUIRE(net.elect(1));
  uint64_t term = net.core(1).term();
  net.isolate(3);
  net.run(100);  // 3 keeps timing out and pre-campaigning in vain
  REQUIRE(net.core(3).term() == term);
  REQUIRE(net.core(3).role() == Role::kPreCandidate);
  net.heal();
  net.run(5);
  REQUIRE(net.core(1).role() == Role::kLeader);
  REQUIRE(net.core(1).term() == term);
  REQUIRE(net.core(3).leader() == 1);
  REQUIRE(net.violations().empty());
}

TEST_CASE("followers in a leader lease ignore higher-term votes (check-quorum)",
          "[raft][election]") {
  SimNetwork net({1, 2, 3}, 13, [](RaftConfig& c) { c.pre_vote = false; });
  REQUIRE(net.elect(1));
  uint64_t term = net.core(1).term();
  net.isolate(3);
  net.run(25);
  REQUIRE(net.core(3).term() > term);  // without pre-vote the term climbs
  net.heal();
  net.pool().clear();
  net.campaign(3);
  size_t votes = net.pool().size();
  REQUIRE(votes == 2);
  REQUIRE(net.deliver_first([](const Message& m) { return m.to == 2; }));
  REQUIRE(net.core(2).term() == term);  // ignored: it heard from leader 1 recently
  REQUIRE(net.pool().size() == 1);      // and sent no response
}

TEST_CASE("an isolated leader steps down after an election timeout (check-quorum)",
          "[raft][election]") {
  SimNetwork net({1, 2, 3}, 21);
  REQUIRE(net.elect(1));
  net.isolate(1);
  for (int i = 0; i < 20; ++i) net.tick(1);  // two election timeouts at most
  REQUIRE(net.core(1).role() == Role::kFollower);
  REQUIRE(net.core(1).leader() == kNoNode);
  // Without check-quorum it would stay leader forever.
  SimNetwork plain({1, 2, 3}, 21, [](RaftConfig& c) { c.check_quorum = false; });
  REQUIRE(plain.elect(1));
  plain.isolate(1);
  for (int i = 0; i < 50; ++i) plain.tick(1);
  REQUIRE(plain.core(1).role() == Role::kLeader);
  // Meanwhile the majority side elects a new leader.
  net.run(40);
  NodeId leader = net.leader();
  REQUIRE((leader == 2 || leader == 3));
  REQUIRE(net.violations().empty());
}

TEST_CASE("leadership transfer hands over to a caught-up follower", "[raft][transfer]") {
  SimNetwork net({1, 2, 3}, 17);
  REQUIRE(net.elect(1));
  uint64_t term = net.core(1).term();
  REQUIRE(net.transfer(2, 3).outcome == RequestOutcome::kNotLeader);
  REQUIRE(net.transfer(1, 9).outcome == RequestOutcome::kDropped);
  REQUIRE(net.transfer(1, 3).accepted());
  net.stabilize();
  REQUIRE(net.core(3).role() == Role::kLeader);
  REQUIRE(net.core(3).term() == term + 1);
  REQUIRE(net.core(1).role() == Role::kFollower);
  REQUIRE(net.core(1).leader() == 3);
  REQUIRE(net.violations().empty());
}

TEST_CASE("leadership transfer to a lagging follower waits until it caught up",
          "[raft][transfer]") {
  SimNetwork net({1, 2, 3}, 19);
  REQUIRE(net.elect(1));
  net.isolate(3);
  for (int i = 0; i < 5; ++i) net.propose(1, "e" + std::to_string(i));
  net.stabilize();
  net.heal();
  REQUIRE(net.transfer(1, 3).accepted());
  REQUIRE(net.core(1).lead_transferee() == 3);
  // Proposals are not appended while the transfer is in progress: the old leader parks
  // them and forwards them to the new one.
  uint64_t last_before = net.core(1).log().last_index();
  REQUIRE(net.propose(1, "parked").outcome == RequestOutcome::kParked);
  REQUIRE(net.core(1).log().last_index() == last_before);
  net.stabilize();
  REQUIRE(net.core(3).role() == Role::kLeader);
  std::vector<std::string> want{"e0", "e1", "e2", "e3", "e4", "parked"};
  for (NodeId id : net.ids()) REQUIRE(net.applied_data(id) == want);
  REQUIRE(net.core(3).log().last_index() > last_before);
  REQUIRE(net.violations().empty());
}

TEST_CASE("a transfer that cannot finish is abandoned after an election timeout",
          "[raft][transfer]") {
  SimNetwork net({1, 2, 3}, 23);
  REQUIRE(net.elect(1));
  net.isolate(3);
  REQUIRE(net.transfer(1, 3).accepted());
  for (int i = 0; i < 10; ++i) {
    net.tick(1);
    net.stabilize();
  }
  REQUIRE(net.core(1).role() == Role::kLeader);
  REQUIRE(net.core(1).lead_transferee() == kNoNode);
  REQUIRE(net.propose(1, "ok").accepted());
}

TEST_CASE("invalid configs are rejected", "[raft]") {
  MemoryLogStorage s;
  REQUIRE_THROWS_AS(RaftCore(RaftConfig{.id = 0, .voters = {1}}, s, 1), std::invalid_argument);
  REQUIRE_THROWS_AS(RaftCore(RaftConfig{.id = 1, .voters = {1, 1}}, s, 1), std::invalid_argument);
  REQUIRE_THROWS_AS(RaftCore(RaftConfig{.id = 1, .voters = {1}, .election_tick = 1}, s, 1),
                    std::invalid_argument);
}
