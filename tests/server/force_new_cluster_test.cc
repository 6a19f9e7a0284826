#include "server/force_new_cluster.h"

#include <catch2/catch.hpp>

#include "../temp_dir.h"
#include "consensus/conf_change.h"
#include "store/command.h"
#include "store/member_table.h"

using namespace larch;
using consensus::ConfChangeType;
using consensus::Entry;
using consensus::EntryType;
using consensus::HardState;
using larch::testing::TempDir;

namespace {

Entry normal(uint64_t index, uint64_t term) {
  store::Command c;
  c.key = "/k" + std::to_string(index);
  c.value = "v";
  return Entry{term, index, EntryType::kNormal, store::encode_command(c)};
}

Entry conf(uint64_t index, uint64_t term, ConfChangeType type, uint64_t node) {
  consensus::ConfChange cc{type, node, ""};
  return Entry{term, index, EntryType::kConfChange, consensus::encode_conf_change(cc)};
}

std::vector<store::MemberPeers> rows(std::initializer_list<uint64_t> live) {
  std::vector<store::MemberPeers> out;
  for (uint64_t id : live) out.push_back({id, "{\"peerURLs\":[]}", false});
  return out;
}

// The node a removal entry removes, and that its context is etcd's removed_members record.
uint64_t removed_node(const Entry& e) {
  REQUIRE(e.type == EntryType::kConfChange);
  auto cc = consensus::decode_conf_change(e.data);
  REQUIRE(cc);
  REQUIRE(cc->type == ConfChangeType::kRemoveNode);
  auto cmd = store::decode_command(cc->context);
  REQUIRE(cmd);
  CHECK(cmd->op == store::OpType::kInternal);
  CHECK(cmd->key == store::removed_member_key(cc->node));
  return cc->node;
}

}  // namespace

TEST_CASE("force_new_cluster keeps every entry and commits a removal of every other voter") {
  TempDir t;
  std::string path = (t.path() / "raft.db").string();
  {
    store::SqliteLogStorage log(path);
    std::vector<Entry> es;
    for (uint64_t i = 1; i <= 10; ++i) es.push_back(normal(i, 3));
    // Known committed up to 7 (8..10 may be committed too: a follower learns it later).
    log.persist(HardState{3, 1, 7}, es);
    auto f = server::force_new_cluster(log, 5, rows({1, 2, 3}), 1, 42);
    CHECK(f.error.empty());
    CHECK(f.removed == std::vector<uint64_t>{2, 3});
    CHECK(f.commit == 12);
    CHECK(log.last_index() == 12);
    CHECK(log.hard_state() == HardState{3, 1, 12});
  }
  // Durable: a reopened log has the old entries, then the removals in the old term, committed.
  store::SqliteLogStorage log(path);
  CHECK(log.hard_state().commit == 12);
  auto es = log.entries(1, 13, 1 << 20);
  REQUIRE(es.size() == 12);
  for (size_t i = 0; i < 10; ++i) CHECK(es[i].type == EntryType::kNormal);
  CHECK(removed_node(es[10]) == 2);
  CHECK(removed_node(es[11]) == 3);
  CHECK(es[11].term == 3);
}

TEST_CASE("force_new_cluster counts the membership changes in the log not yet applied") {
  TempDir t;
  store::SqliteLogStorage log((t.path() / "raft.db").string());
  // Applied up to 2 with voters {1, 2}; then 4 joins, 2 leaves and (not known committed) 5 joins.
  log.persist(
      HardState{2, 0, 4},
      {normal(1, 2), normal(2, 2), conf(3, 2, ConfChangeType::kAddNode, 4),
       conf(4, 2, ConfChangeType::kRemoveNode, 2), conf(5, 2, ConfChangeType::kAddNode, 5)});
  auto f = server::force_new_cluster(log, 2, rows({1, 2}), 1, 42);
  CHECK(f.error.empty());
  CHECK(f.removed == std::vector<uint64_t>{4, 5});
  CHECK(log.last_index() == 7);
  CHECK(removed_node(log.entries(6, 7, 1 << 20).at(0)) == 4);
  CHECK(removed_node(log.entries(7, 8, 1 << 20).at(0)) == 5);
}

TEST_CASE("force_new_cluster leaves a member that already is the only voter alone") {
  TempDir t;
  store::SqliteLogStorage log((t.path() / "raft.db").string());
  log.persist(HardState{1, 1, 2}, {normal(1, 1), normal(2, 1), normal(3, 1)});
  auto f = server::force_new_cluster(log, 3, rows({1}), 1, 42);
  CHECK(f.error.empty());
  CHECK(f.removed.empty());
  CHECK(f.commit == 3);  // the applied index, where the log's commit row lags
  CHECK(log.last_index() == 3);
  CHECK(log.hard_state() == HardState{1, 1, 2});
}

TEST_CASE("force_new_cluster refuses a member that is not a voter") {
  TempDir t;
  store::SqliteLogStorage log((t.path() / "raft.db").string());
  log.persist(HardState{1, 0, 1}, {normal(1, 1)});
  auto f = server::force_new_cluster(log, 1, rows({2, 3}), 1, 42);
  CHECK(f.error == "--force-new-cluster: this member is not a voter of its cluster");
  CHECK(log.last_index() == 1);
}
