#pragma once
// A tiny hand-driven cluster for RaftCore tests that need what the randomized SimNetwork
// does not model: compacted logs and snapshots, and membership changes. Messages are
// delivered FIFO right after each input; members can be down or lose chosen messages. The
// state machine is the list of applied payloads; its snapshot image is that list joined
// with '\n'. Applied kConfChange entries are passed to apply_conf_change, as a driver must.
#include <catch2/catch.hpp>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "consensus/conf_change.h"
#include "consensus/memory_log_storage.h"
#include "consensus/raft_core.h"

namespace larch::consensus::test {

struct Node {
  MemoryLogStorage storage;
  std::unique_ptr<RaftCore> core;
  std::vector<std::string> applied;  // the state machine
  uint64_t applied_index = 0;
  int installs = 0;
};

inline std::string image_of(const std::vector<std::string>& applied) {
  std::string out;
  for (const auto& a : applied) out += a + "\n";
  return out;
}

inline std::vector<std::string> from_image(const std::string& image) {
  std::vector<std::string> out;
  std::istringstream in(image);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

class MiniCluster {
 public:
  explicit MiniCluster(std::vector<NodeId> ids) {
    for (NodeId id : ids) add_node(id, ids);
  }

  // A member that starts empty with the given voters (e.g. one about to be added).
  void add_node(NodeId id, std::vector<NodeId> voters) {
    RaftConfig c;
    c.id = id;
    c.voters = std::move(voters);
    c.election_tick = 10;
    c.heartbeat_tick = 1;
    nodes_[id].core = std::make_unique<RaftCore>(c, nodes_[id].storage, id);
  }
  RequestResult propose_conf_change(NodeId id, const ConfChange& cc) {
    RequestResult r = node(id).core->propose_conf_change(cc);
    drain(id);
    run();
    return r;
  }

  Node& node(NodeId id) { return nodes_.at(id); }
  std::set<NodeId> down;
  std::function<bool(const Message&)> lose;  // messages it matches are lost on the way
  std::vector<Message> delivered;            // every message delivered, for assertions
  size_t snapshots_sent = 0;

  void campaign(NodeId id) {
    node(id).core->campaign();
    drain(id);
    run();
  }
  void propose(NodeId id, const std::string& data) {
    REQUIRE(node(id).core->propose(data).accepted());
    drain(id);
    run();
  }
  void tick(NodeId id, int n = 1) {
    for (int i = 0; i < n; ++i) {
      node(id).core->tick();
      drain(id);
      run();
    }
  }
  // The driver's compaction: keep nothing at or below the applied index.
  void compact(NodeId id) {
    Node& n = node(id);
    auto t = n.storage.term(n.applied_index);
    REQUIRE(t);
    n.storage.install_snapshot(n.applied_index, *t);
  }
  // What the leader's driver does with a kSnapshot from its core (false: fail instead).
  bool make_images = true;

 private:
  void run() {
    for (int steps = 0; steps < 10000 && !pool_.empty(); ++steps) {
      Message m = std::move(pool_.front());
      pool_.erase(pool_.begin());
      if (down.count(m.to) || down.count(m.from) || (lose && lose(m))) continue;
      delivered.push_back(m);
      node(m.to).core->step(m);
      drain(m.to);
    }
  }

  void drain(NodeId id) {
    Node& n = node(id);
    while (n.core->has_ready()) {
      Ready rd = n.core->ready();
      n.storage.persist(rd.hard_state.value_or(n.core->hard_state()), rd.entries);
      if (rd.snapshot) {
        n.applied = from_image(rd.snapshot->image);
        n.applied_index = rd.snapshot->index;
        n.storage.install_snapshot(rd.snapshot->index, rd.snapshot->term);
        ++n.installs;
      }
      for (Message& m : rd.messages) {
        if (m.type == MessageType::kSnapshot) {
          if (!make_images) {
            n.core->report_snapshot_failure(m.to);
            continue;
          }
          m.index = n.applied_index;
          m.log_term = *n.storage.term(n.applied_index);
          m.snapshot = image_of(n.applied);
          ++snapshots_sent;
        }
        pool_.push_back(std::move(m));
      }
      for (const Entry& e : rd.committed_entries) {
        if (e.index <= n.applied_index) continue;
        if (e.type == EntryType::kNormal && !e.data.empty()) n.applied.push_back(e.data);
        if (e.type == EntryType::kConfChange) {
          auto cc = decode_conf_change(e.data);
          REQUIRE(cc);
          n.core->apply_conf_change(*cc);
        }
        n.applied_index = e.index;
      }
      n.core->advance(rd);
    }
  }

  std::map<NodeId, Node> nodes_;
  std::vector<Message> pool_;
};

}  // namespace larch::consensus::test
