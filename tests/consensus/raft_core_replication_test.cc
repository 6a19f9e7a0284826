// Log replication: catch-up with flow control, conflicts, the §5.4.2 commit rule,
// forwarding, restarts.
#include <catch2/catch.hpp>

#include "consensus/memory_log_storage.h"
#include "consensus/raft_core.h"
#include "sim_network.h"

using namespace larch::consensus;
using larch::consensus::test::SimNetwork;

namespace {

bool is_append(const Message& m) {
  return m.type == MessageType::kAppend;
}

}  // namespace

TEST_CASE("a follower far behind catches up in bounded, batched appends", "[raft][replication]") {
  SimNetwork net({1, 2, 3}, 31, [](RaftConfig& c) {
    c.max_inflight_msgs = 4;
    c.max_size_per_msg = 64;
  });
  REQUIRE(net.elect(1));
  net.isolate(3);
  for (int i = 0; i < 200; ++i) {
    REQUIRE(net.propose(1, "value-" + std::to_string(i)).accepted());
    net.stabilize();
  }
  REQUIRE(net.applied_data(1).size() == 200);
  REQUIRE(net.applied_data(3).empty());
  net.heal();
  size_t max_appends_in_flight = 0;
  size_t max_entries_per_append = 0;
  uint64_t max_bytes_per_append = 0;
  for (int round = 0; round < 200 && net.applied_data(3).size() < 200; ++round) {
    net.tick(1);
    while (!net.pool().empty()) {
      size_t n = 0;
      for (const Message& m : net.pool()) {
        if (is_append(m) && m.to == 3) {
          ++n;
          max_entries_per_append = std::max(max_entries_per_append, m.entries.size());
          uint64_t bytes = 0;
          for (const Entry& e : m.entries) bytes += e.data.size();
          max_bytes_per_append = std::max(max_bytes_per_append, bytes);
        }
      }
      max_appends_in_flight = std::max(max_appends_in_flight, n);
      net.deliver(0);
    }
  }
  REQUIRE(net.applied_data(3) == net.applied_data(1));
  REQUIRE(max_appends_in_flight <= 4 + 1);  // window + one empty commit update at most
  REQUIRE(max_entries_per_append > 1);      // batched ...
  REQUIRE(max_bytes_per_append <= 64);      // ... but within max_size_per_msg
  REQUIRE(net.core(1).progress(3)->state() == ProgressState::kReplicate);
  REQUIRE(net.violations().empty());
}

TEST_CASE("fast backtracking skips whole terms of conflicting entries", "[raft][replication]") {
  SimNetwork net({1, 2, 3}, 37);
  REQUIRE(net.elect(1));
  // Leader 1 appends 50 entries nobody else sees.
  net.isolate(1);
  for (int i = 0; i < 50; ++i) net.propose(1, "lost" + std::to_string(i));
  net.pool().clear();
  // 2 becomes leader of a later term and commits its own entries with 3.
  net.campaign(2);
  net.stabilize();
  REQUIRE(net.elect(2));
  for (int i = 0; i < 5; ++i) net.propose(2, "kept" + std::to_string(i));
  net.stabilize();
  // Reconnect 1: it must drop its 50 entries; count the probing round trips.
  net.heal();
  net.tick(1);  // 1 is still a (stale) leader until it hears the new term
  net.stabilize();
  size_t rejections = 0;
  net.tick(2);
  for (int i = 0; i < 1000 && !net.pool().empty(); ++i) {
    if (net.pool()[0].type == MessageType::kAppendResp && net.pool()[0].reject) ++rejections;
    net.deliver(0);
  }
  REQUIRE(net.applied_data(1) == net.applied_data(2));
  REQUIRE(net.applied_data(1).size() == 5);
  REQUIRE(rejections <= 2);  // not one per conflicting entry
  for (const Entry& e : net.node(1).storage->all_entries()) {
    REQUIRE(e.data.rfind("lost", 0) != 0);
  }
  REQUIRE(net.violations().empty());
}

TEST_CASE("conflicting uncommitted entries are overwritten by the new leader",
          "[raft][replication]") {
  SimNetwork net({1, 2, 3}, 41);
  REQUIRE(net.elect(1));
  net.propose(1, "committed");
  net.stabilize();
  net.isolate(1);
  net.propose(1, "orphan");  // never reaches a quorum
  net.pool().clear();
  REQUIRE(net.elect(2));
  net.propose(2, "winner");
  net.stabilize();
  net.heal();
  net.run(10);
  for (NodeId id : net.ids()) {
    REQUIRE(net.applied_data(id) == std::vector<std::string>{"committed", "winner"});
  }
  REQUIRE(net.core(1).log().last_index() == net.core(2).log().last_index());
  REQUIRE(net.violations().empty());
}

TEST_CASE("leader does not commit a previous-term entry counted on a quorum",
          "[raft][replication]") {
  // Raft §5.4.2 / Figure 8: counting replicas only commits entries of the current term.
  SimNetwork net({1, 2, 3}, 47);
  REQUIRE(net.elect(1));
  REQUIRE(net.propose(1, "x").accepted());
  uint64_t x = net.core(1).log().last_index();
  net.drop_if([](const Message& m) { return m.to == 3; });
  REQUIRE(net.deliver_first([](const Message& m) { return m.to == 2; }));
  net.drop_if([](const Message& m) { return m.to == 1; });  // ack lost
  net.crash(1);
  // 3's leader lease must run out before it grants votes.
  for (int i = 0; i < 10; ++i) net.tick(3);
  net.pool().clear();
  // 2 campaigns; deliver the election only (no appends yet).
  net.campaign(2);
  for (int i = 0; i < 100 && net.core(2).role() != Role::kLeader; ++i) {
    if (!net.deliver_first([](const Message& m) { return m.type != MessageType::kAppend; })) {
      break;
    }
  }
  REQUIRE(net.core(2).role() == Role::kLeader);
  uint64_t noop = net.core(2).log().last_index();
  REQUIRE(noop == x + 1);
  // Let the probe/reject exchange run but strip the new-term no-op from what 3 receives.
  for (int i = 0; i < 20 && !net.pool().empty(); ++i) {
    Message& m = net.pool()[0];
    if (m.type == MessageType::kAppend && m.to == 3) {
      std::erase_if(m.entries, [&](const Entry& e) { return e.index > x; });
    }
    net.deliver(0);
  }
  REQUIRE(net.core(2).progress(3)->match() == x);  // x is on a quorum {2, 3} ...
  REQUIRE(net.core(2).commit_index() < x);         // ... but of term 1: not committed
  net.tick(2);  // a heartbeat response triggers the append of the no-op
  net.stabilize();
  REQUIRE(net.core(2).commit_index() == noop);
  REQUIRE(net.applied_data(3) == std::vector<std::string>{"x"});
  REQUIRE(net.violations().empty());
}

TEST_CASE("proposals on a follower are forwarded to the leader", "[raft][replication]") {
  SimNetwork net({1, 2, 3}, 53);
  SECTION("without a leader the entry is parked and goes to the first leader") {
    auto r = net.propose(2, "early");
    REQUIRE(r.outcome == RequestOutcome::kParked);
    REQUIRE(r.leader == kNoNode);
    REQUIRE(net.pool().empty());
    REQUIRE(net.elect(1));
    net.stabilize();
    for (NodeId id : net.ids()) {
      REQUIRE(net.applied_data(id) == std::vector<std::string>{"early"});
    }
  }
  SECTION("with a leader the entry is forwarded and committed") {
    REQUIRE(net.elect(1));
    auto r = net.propose(2, "via-follower");
    REQUIRE(r.outcome == RequestOutcome::kForwarded);
    REQUIRE(r.leader == 1);
    REQUIRE(net.pool().size() == 1);
    REQUIRE(net.pool()[0].type == MessageType::kPropose);
    REQUIRE(net.pool()[0].term == 0);
    net.stabilize();
    for (NodeId id : net.ids()) {
      REQUIRE(net.applied_data(id) == std::vector<std::string>{"via-follower"});
    }
  }
  REQUIRE(net.violations().empty());
}

TEST_CASE("a batch of proposals travels as one message per follower", "[raft][replication]") {
  SimNetwork net({1, 2, 3}, 57);
  REQUIRE(net.elect(1));
  const std::vector<std::string> batch{"a", "b", "c"};
  std::vector<std::string> expect = batch;
  SECTION("on the leader: one append per follower carrying every entry, in order") {
    auto r = net.propose_batch(1, batch);
    REQUIRE(r.accepted());
    REQUIRE(r.index >= 3);  // the last of the three
    size_t appends = 0;
    for (const Message& m : net.pool()) {
      if (!is_append(m)) continue;
      ++appends;
      REQUIRE(m.entries.size() == 3);
      for (size_t i = 0; i < 3; ++i) REQUIRE(m.entries[i].data == batch[i]);
    }
    REQUIRE(appends == 2);
  }
  SECTION("on a follower: one forwarded proposal with every entry") {
    auto r = net.propose_batch(2, batch);
    REQUIRE(r.outcome == RequestOutcome::kForwarded);
    REQUIRE(net.pool().size() == 1);
    REQUIRE(net.pool()[0].type == MessageType::kPropose);
    REQUIRE(net.pool()[0].entries.size() == 3);
  }
  SECTION("an empty batch is dropped") {
    REQUIRE(net.propose_batch(1, {}).outcome == RequestOutcome::kDropped);
    REQUIRE(net.pool().empty());
    expect.clear();
  }
  net.stabilize();
  for (NodeId id : net.ids()) REQUIRE(net.applied_data(id) == expect);
  REQUIRE(net.violations().empty());
}

TEST_CASE("the uncommitted-bytes budget drops proposals once exhausted", "[raft][replication]") {
  SimNetwork net({1, 2, 3}, 59, [](RaftConfig& c) { c.max_uncommitted_bytes = 10; });
  REQUIRE(net.elect(1));
  net.isolate(1);  // nothing commits
  REQUIRE(net.propose(1, "123456").accepted());
  REQUIRE(net.propose(1, "123456").outcome == RequestOutcome::kDropped);
  net.heal();
  net.run(3);
  REQUIRE(net.propose(1, "123456").accepted());  // budget freed by the commit
}

TEST_CASE("a restarted cluster recovers term, vote and log from storage", "[raft][restart]") {
  SimNetwork net({1, 2, 3}, 61);
  REQUIRE(net.elect(1));
  // (Appended, not "v" + std::to_string(i): GCC 12 warns falsely on that one, -Wrestrict.)
  for (int i = 0; i < 10; ++i) net.propose(1, std::string("v").append(std::to_string(i)));
  net.stabilize();
  uint64_t term = net.core(1).term();
  uint64_t last = net.core(1).log().last_index();
  for (NodeId id : net.ids()) net.crash(id);
  for (NodeId id : net.ids()) {
    net.restart(id);
    REQUIRE(net.core(id).term() == term);
    REQUIRE(net.core(id).log().last_index() == last);
    REQUIRE(net.core(id).role() == Role::kFollower);
  }
  REQUIRE(net.core(1).hard_state().vote == 1);
  net.run(40);
  NodeId leader = net.leader();
  REQUIRE(leader != kNoNode);
  net.propose(leader, "after-restart");
  net.stabilize();
  for (NodeId id : net.ids()) {
    REQUIRE(net.applied_data(id).size() == 11);  // nothing applied twice
    REQUIRE(net.applied_data(id).back() == "after-restart");
  }
  REQUIRE(net.violations().empty());
}

TEST_CASE("a restarted node re-applies from the applied index it is given", "[raft][restart]") {
  MemoryLogStorage storage;
  {
    RaftCore core(RaftConfig{.id = 1, .voters = {1}}, storage, 1);
    core.campaign();
    for (auto d : {"a", "b", "c"}) core.propose(d);
    while (core.has_ready()) {
      Ready rd = core.ready();
      storage.persist(rd.hard_state.value_or(core.hard_state()), rd.entries);
      core.advance(rd);
    }
    REQUIRE(core.commit_index() == 4);
  }
  RaftCore core(RaftConfig{.id = 1, .voters = {1}, .applied = 2}, storage, 1);
  REQUIRE(core.commit_index() == 4);
  Ready rd = core.ready();
  REQUIRE(rd.committed_entries.size() == 2);
  REQUIRE(rd.committed_entries[0].data == "b");
  REQUIRE(rd.committed_entries[1].data == "c");
}

TEST_CASE("a new commit index rides on the next append a follower is sent anyway",
          "[raft][replication]") {
  SimNetwork net({1, 2, 3}, 61);
  REQUIRE(net.elect(1));
  net.stabilize();
  REQUIRE(net.propose(1, "a").accepted());
  const uint64_t a = net.core(1).log().last_index();
  auto to = [&](NodeId id) {
    return [id](const Message& m) { return is_append(m) && m.to == id; };
  };
  auto ack_from = [&](NodeId id) {
    return [id](const Message& m) { return m.type == MessageType::kAppendResp && m.from == id; };
  };
  auto commit_only_to = [&](NodeId id, uint64_t commit) {
    size_t n = 0;
    for (const Message& m : net.pool()) {
      if (is_append(m) && m.to == id && m.entries.empty() && m.commit == commit) ++n;
    }
    return n;
  };
  // Follower 2 acknowledges "a": with the leader's own copy that is a quorum.
  REQUIRE(net.deliver_first(to(2)));
  REQUIRE(net.deliver_first(ack_from(2)));
  REQUIRE(net.core(1).commit_index() == a);
  // 2 owes no answer: it is told at once. 3 still owes the answer to the append of "a".
  REQUIRE(commit_only_to(2, a) == 1);
  REQUIRE(commit_only_to(3, a) == 0);
  SECTION("the next batch's append carries it") {
    REQUIRE(net.propose(1, "b").accepted());
    size_t with_commit = 0;
    for (const Message& m : net.pool()) {
      if (to(3)(m) && !m.entries.empty() && m.entries.back().data == "b") {
        REQUIRE(m.commit == a);
        ++with_commit;
      }
    }
    REQUIRE(with_commit == 1);
    // Once 3 has answered everything, nothing more needs to be sent for the commit.
    while (net.deliver_first(to(3))) {
    }
    while (net.deliver_first(ack_from(3))) {
    }
    REQUIRE(commit_only_to(3, a) == 0);
  }
  SECTION("otherwise its answer brings it") {
    REQUIRE(net.deliver_first(to(3)));
    REQUIRE(commit_only_to(3, a) == 0);
    REQUIRE(net.deliver_first(ack_from(3)));
    REQUIRE(commit_only_to(3, a) == 1);
  }
  net.stabilize();
  for (NodeId id : net.ids())
    REQUIRE(net.core(id).commit_index() == net.core(1).log().last_index());
  REQUIRE(net.violations().empty());
}
