// Single-member configuration changes (Raft thesis §4.1): add and remove one voter at a time,
// effective when the committed entry is applied; quorum follows the new configuration.
#include <catch2/catch.hpp>

#include "consensus/conf_change.h"
#include "mini_cluster.h"

using namespace larch::consensus;
using larch::consensus::test::MiniCluster;

namespace {

ConfChange add(NodeId n) {
  return ConfChange{ConfChangeType::kAddNode, n, "urls-of-" + std::to_string(n)};
}
ConfChange remove(NodeId n) {
  return ConfChange{ConfChangeType::kRemoveNode, n, ""};
}
std::vector<NodeId> voters(MiniCluster& c, NodeId id) {
  return c.node(id).core->config().voters;
}

}  // namespace

TEST_CASE("conf change codec round-trips and rejects garbage", "[raft][membership]") {
  ConfChange cc{ConfChangeType::kUpdateNode, 0x8f138376f7614926ULL, "{\"peerURLs\":[]}"};
  REQUIRE(decode_conf_change(encode_conf_change(cc)) == cc);
  REQUIRE_FALSE(decode_conf_change(""));
  REQUIRE_FALSE(decode_conf_change(encode_conf_change(cc).substr(0, 5)));
  std::string bad = encode_conf_change(cc);
  bad[1] = 9;  // unknown type
  REQUIRE_FALSE(decode_conf_change(bad));
  REQUIRE_FALSE(decode_conf_change(encode_conf_change({ConfChangeType::kAddNode, 0, ""})));
}

TEST_CASE("an added member catches up and counts toward the quorum", "[raft][membership]") {
  MiniCluster c({1, 2, 3});
  c.campaign(1);
  c.propose(1, "before");
  c.add_node(4, {1, 2, 3, 4});
  REQUIRE(c.propose_conf_change(1, add(4)).accepted());
  for (NodeId id : {1, 2, 3, 4}) REQUIRE(voters(c, id) == std::vector<NodeId>{1, 2, 3, 4});
  c.propose(1, "after");
  REQUIRE(c.node(4).applied == c.node(1).applied);
  REQUIRE(c.node(4).applied.back() == "after");

  // Four voters: a quorum is three. With two of them down nothing commits ...
  c.down = {3, 4};
  uint64_t commit = c.node(1).core->commit_index();
  REQUIRE(c.node(1).core->propose("stalled").accepted());
  c.tick(1);
  REQUIRE(c.node(1).core->commit_index() == commit);
  // ... and one coming back is enough.
  c.down = {3};
  c.tick(1, 3);
  REQUIRE(c.node(1).core->commit_index() > commit);
  REQUIRE(c.node(4).applied.back() == "stalled");
}

TEST_CASE("one change at a time: a second one waits until the first is applied",
          "[raft][membership]") {
  MiniCluster c({1, 2, 3});
  c.campaign(1);
  c.add_node(4, {1, 2, 3, 4});
  c.add_node(5, {1, 2, 3, 4, 5});
  // Appends are lost for now, so the first change cannot commit yet.
  c.lose = [](const Message& m) { return m.type == MessageType::kAppend; };
  REQUIRE(c.propose_conf_change(1, add(4)).accepted());
  REQUIRE(c.propose_conf_change(1, add(5)).outcome == RequestOutcome::kDropped);
  // Forwarded by a follower meanwhile, it becomes a no-op on the leader.
  REQUIRE(c.propose_conf_change(2, add(5)).outcome == RequestOutcome::kForwarded);
  c.lose = nullptr;
  c.tick(1, 3);
  REQUIRE(voters(c, 1) == std::vector<NodeId>{1, 2, 3, 4});
  REQUIRE(voters(c, 2) == std::vector<NodeId>{1, 2, 3, 4});
  // Once the first is applied the next one goes through.
  REQUIRE(c.propose_conf_change(1, add(5)).accepted());
  REQUIRE(voters(c, 1) == std::vector<NodeId>{1, 2, 3, 4, 5});
  REQUIRE(voters(c, 5) == std::vector<NodeId>{1, 2, 3, 4, 5});
}

TEST_CASE("a removed follower no longer counts; the rest commit on their own",
          "[raft][membership]") {
  MiniCluster c({1, 2, 3});
  c.campaign(1);
  REQUIRE(c.propose_conf_change(1, remove(3)).accepted());
  REQUIRE(voters(c, 1) == std::vector<NodeId>{1, 2});
  REQUIRE(voters(c, 2) == std::vector<NodeId>{1, 2});
  REQUIRE(c.node(1).core->progress(3) == nullptr);
  c.down = {3};
  c.propose(1, "two-member");
  REQUIRE(c.node(2).applied.back() == "two-member");
}

TEST_CASE("a leader that removes itself steps down and the others elect a leader",
          "[raft][membership]") {
  MiniCluster c({1, 2, 3});
  c.campaign(1);
  REQUIRE(c.propose_conf_change(1, remove(1)).accepted());
  // It handed leadership to a caught-up voter, which was elected by the new configuration;
  // node 1 learns the new term from the next answers to its heartbeats.
  NodeId successor = c.node(2).core->role() == Role::kLeader ? 2 : 3;
  REQUIRE(c.node(successor).core->role() == Role::kLeader);
  c.tick(1);
  REQUIRE(c.node(1).core->role() != Role::kLeader);
  c.down = {1};
  for (int i = 0;
       i < 40 && c.node(2).core->role() != Role::kLeader && c.node(3).core->role() != Role::kLeader;
       ++i) {
    c.tick(2);
    c.tick(3);
  }
  NodeId lead = c.node(2).core->role() == Role::kLeader ? 2 : 3;
  REQUIRE(c.node(lead).core->role() == Role::kLeader);
  c.propose(lead, "without-1");
  NodeId other = lead == 2 ? 3 : 2;
  REQUIRE(c.node(other).applied.back() == "without-1");
  // Node 1 is no voter any more: it never campaigns.
  c.down.clear();
  c.tick(1, 50);
  REQUIRE(c.node(1).core->role() == Role::kFollower);
}

TEST_CASE("a follower forwards a conf change to the leader", "[raft][membership]") {
  MiniCluster c({1, 2, 3});
  c.campaign(1);
  c.add_node(4, {1, 2, 3, 4});
  REQUIRE(c.propose_conf_change(2, add(4)).outcome == RequestOutcome::kForwarded);
  REQUIRE(voters(c, 1) == std::vector<NodeId>{1, 2, 3, 4});
  REQUIRE(voters(c, 2) == std::vector<NodeId>{1, 2, 3, 4});
}

TEST_CASE("set_voters replaces the configuration (after a snapshot install)",
          "[raft][membership]") {
  MiniCluster c({1, 2, 3});
  c.campaign(1);
  c.add_node(4, {1, 2, 3, 4});
  // As if every member had installed an image taken after 4 was added and 3 removed.
  for (NodeId id : {1, 2, 3, 4}) c.node(id).core->set_voters({4, 2, 1});
  REQUIRE(voters(c, 1) == std::vector<NodeId>{1, 2, 4});
  REQUIRE(c.node(1).core->progress(3) == nullptr);
  REQUIRE(c.node(1).core->progress(4) != nullptr);
  c.tick(1, 3);
  c.down = {3};
  c.propose(1, "new-config");
  REQUIRE(c.node(4).applied.back() == "new-config");
  // Invalid sets are ignored.
  c.node(2).core->set_voters({});
  c.node(2).core->set_voters({1, 1});
  REQUIRE(voters(c, 2) == std::vector<NodeId>{1, 2, 4});
  // A leader that is no voter any more hands over and then steps down.
  c.node(1).core->set_voters({2, 4});
  c.tick(1);
  REQUIRE(c.node(1).core->role() != Role::kLeader);
  REQUIRE((c.node(2).core->role() == Role::kLeader || c.node(4).core->role() == Role::kLeader));
}
