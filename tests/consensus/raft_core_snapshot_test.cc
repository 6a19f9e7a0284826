// Snapshots: a follower whose next entry the leader compacted away gets the leader's state
// machine image instead (kSnapshot), installs it, and replication continues after it.
#include <catch2/catch.hpp>

#include "consensus/message_codec.h"
#include "mini_cluster.h"

using namespace larch::consensus;
using larch::consensus::test::MiniCluster;
using larch::consensus::test::Node;

namespace {

// Node 1 leads; node 3 misses five entries that nodes 1 and 2 then compact away.
void leave_behind_compacted_log(MiniCluster& c) {
  c.campaign(1);
  c.down = {3};
  for (int i = 0; i < 5; ++i) c.propose(1, "v" + std::to_string(i));
  c.compact(1);
  c.compact(2);
  c.down.clear();
}

size_t count_type(const std::vector<Message>& ms, MessageType t, NodeId to) {
  size_t n = 0;
  for (const auto& m : ms) n += m.type == t && m.to == to;
  return n;
}

}  // namespace

TEST_CASE("a follower behind the compacted log installs the leader's snapshot",
          "[raft][snapshot]") {
  MiniCluster c({1, 2, 3});
  c.campaign(1);
  REQUIRE(c.node(1).core->role() == Role::kLeader);
  c.down = {3};
  for (int i = 0; i < 20; ++i) c.propose(1, "v" + std::to_string(i));
  REQUIRE(c.node(2).applied.size() == 20);
  c.compact(1);
  c.compact(2);
  REQUIRE(c.node(1).storage.first_index() == c.node(1).applied_index + 1);

  c.down.clear();
  c.tick(1, 3);  // heartbeats: node 3 answers, the leader finds its entries gone
  REQUIRE(count_type(c.delivered, MessageType::kSnapshot, 3) == 1);
  Node& n3 = c.node(3);
  REQUIRE(n3.installs == 1);
  REQUIRE(n3.applied == c.node(1).applied);
  REQUIRE(n3.core->commit_index() >= c.node(1).applied_index);
  REQUIRE(c.node(1).core->progress(3)->state() == ProgressState::kReplicate);
  REQUIRE(c.node(1).core->progress(3)->match() == c.node(1).applied_index);

  // Replication continues right after the snapshot.
  c.propose(1, "after");
  REQUIRE(n3.applied.back() == "after");
  REQUIRE(n3.applied == c.node(1).applied);
  REQUIRE(n3.storage.first_index() <= n3.applied_index);

  // And the installed state survives a restart of node 3 on its storage.
  RaftConfig rc;
  rc.id = 3;
  rc.voters = {1, 2, 3};
  rc.applied = n3.applied_index;
  n3.core = std::make_unique<RaftCore>(rc, n3.storage, 99);
  REQUIRE(n3.core->commit_index() >= n3.applied_index);
  c.propose(1, "after-restart");
  c.tick(1, 2);
  REQUIRE(n3.applied == c.node(1).applied);
}

TEST_CASE("a snapshot the driver cannot make is retried", "[raft][snapshot]") {
  MiniCluster c({1, 2, 3});
  leave_behind_compacted_log(c);
  c.make_images = false;
  c.tick(1, 3);
  REQUIRE(c.node(3).installs == 0);
  REQUIRE(c.node(1).core->progress(3)->state() != ProgressState::kSnapshot);
  c.make_images = true;
  c.tick(1, 3);
  REQUIRE(c.node(3).installs == 1);
  REQUIRE(c.node(3).applied == c.node(1).applied);
}

TEST_CASE("a lost snapshot times out and is sent again", "[raft][snapshot]") {
  MiniCluster c({1, 2, 3});
  leave_behind_compacted_log(c);
  c.lose = [](const Message& m) { return m.type == MessageType::kSnapshot; };
  c.tick(1, 3);
  REQUIRE(c.snapshots_sent == 1);
  REQUIRE(c.node(1).core->progress(3)->state() == ProgressState::kSnapshot);
  // Nothing else is sent to node 3 meanwhile; after the timeout the leader tries again.
  c.tick(1, 10 * RaftCore::kSnapshotTimeoutElections + 2);
  REQUIRE(c.snapshots_sent == 2);
  REQUIRE(c.node(3).installs == 0);
  c.lose = nullptr;
  c.tick(1, 10 * RaftCore::kSnapshotTimeoutElections + 2);
  REQUIRE(c.node(1).core->role() == Role::kLeader);
  REQUIRE(c.node(3).installs == 1);
  REQUIRE(c.node(3).applied == c.node(1).applied);
}

TEST_CASE("a snapshot of entries the follower already holds only moves its commit",
          "[raft][snapshot]") {
  MiniCluster c({1, 2});
  c.campaign(1);
  for (int i = 0; i < 3; ++i) c.propose(1, "v" + std::to_string(i));
  Node& n2 = c.node(2);
  uint64_t last = n2.storage.last_index();
  Message m;
  m.type = MessageType::kSnapshot;
  m.from = 1;
  m.to = 2;
  m.term = c.node(1).core->term();
  m.index = last;
  m.log_term = *n2.storage.term(last);
  m.snapshot = "ignored";
  n2.core->step(m);
  REQUIRE(n2.core->has_ready());
  Ready rd = n2.core->ready();
  REQUIRE_FALSE(rd.snapshot);  // nothing to install
  REQUIRE(count_type(rd.messages, MessageType::kAppendResp, 1) == 1);
  n2.core->advance(rd);
}

TEST_CASE("the codec carries snapshot images", "[raft][snapshot][codec]") {
  Message m;
  m.type = MessageType::kSnapshot;
  m.from = 1;
  m.to = 2;
  m.term = 3;
  m.index = 40;
  m.log_term = 2;
  m.snapshot = std::string("image\0with\nbytes", 16);
  Message plain;
  plain.type = MessageType::kHeartbeat;
  auto decoded = decode_messages(encode_messages({m, plain}));
  REQUIRE(decoded);
  REQUIRE(decoded->size() == 2);
  REQUIRE((*decoded)[0] == m);
  REQUIRE((*decoded)[1] == plain);
}
