// Randomized simulation: many seeds of random ticks, deliveries in random order, drops,
// duplicates, partitions, crashes/restarts, proposals (parked while no leader can take
// them), reads, transfers (also asked for by followers) and (in one case) membership changes.
// SimNetwork checks the Raft safety invariants after every step; at the end the network heals and
// the cluster must make progress again (liveness) with all members converging.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdlib>

#include "sim_network.h"

using namespace larch::consensus;
using larch::consensus::test::SimNetwork;

namespace {

std::vector<NodeId> members(size_t n) {
  std::vector<NodeId> ids;
  for (NodeId i = 1; i <= n; ++i) ids.push_back(i);
  return ids;
}

NodeId pick(SimNetwork& net) {
  return net.ids()[net.rng().below(net.ids().size())];
}

void random_partition(SimNetwork& net) {
  std::vector<std::vector<NodeId>> groups(2);
  for (NodeId id : net.ids()) groups[net.rng().below(2)].push_back(id);
  net.partition(groups);
}

// One random step; weights favour delivery so that the cluster gets work done.
void random_step(SimNetwork& net, int step) {
  uint64_t dice = net.rng().below(100);
  size_t pool = net.pool().size();
  if (dice < 40 && pool > 0) {
    net.deliver(net.rng().below(std::min<size_t>(pool, 4)));  // mild reordering
  } else if (dice < 50 && pool > 0) {
    net.deliver(net.rng().below(pool));  // arbitrary reordering
  } else if (dice < 53 && pool > 0) {
    net.drop(net.rng().below(pool));
  } else if (dice < 55 && pool > 0) {
    net.duplicate(net.rng().below(pool));
  } else if (dice < 75) {
    net.tick(pick(net));
  } else if (dice < 84) {
    net.propose(pick(net), "p" + std::to_string(step));
  } else if (dice < 87) {  // a drain's worth of proposals at once
    std::vector<std::string> batch;
    for (uint64_t i = 0, n = 2 + net.rng().below(3); i < n; ++i) {
      batch.push_back("b" + std::to_string(step) + "." + std::to_string(i));
    }
    net.propose_batch(pick(net), std::move(batch));
  } else if (dice < 90) {
    net.read_index(pick(net), "r" + std::to_string(step));
  } else if (dice < 91) {
    random_partition(net);
  } else if (dice < 94) {
    net.heal();
  } else if (dice < 95) {
    net.crash(pick(net));
  } else if (dice < 97) {
    net.restart(pick(net));
  } else if (dice < 98) {
    if (net.rng().below(2) == 0) {
      net.transfer(pick(net), pick(net));
    } else {
      net.request_leadership(pick(net));  // a follower asking the leader (kTransferLeader)
    }
  } else {
    for (NodeId id : net.ids()) net.restart(id);
  }
}

bool has_final(SimNetwork& net, NodeId id) {
  for (const Entry& e : net.node(id).storage->all_entries()) {
    if (e.data == "final") return true;
  }
  return false;
}

bool converged(SimNetwork& net, NodeId leader) {
  uint64_t commit = net.core(leader).commit_index();
  if (net.core(leader).log().last_index() != commit) return false;
  // Members removed from the configuration are left behind: only the voters must converge.
  for (NodeId id : net.core(leader).config().voters) {
    if (net.core(id).commit_index() != commit || net.node(id).applied.size() != commit) {
      return false;
    }
    // "final" need not be last: proposals still in the pool from before the heal may be
    // parked and appended after it.
    auto data = net.applied_data(id);
    if (std::find(data.begin(), data.end(), "final") == data.end()) return false;
  }
  return true;
}

// Heals everything; the cluster must then elect a leader, commit a new entry and every
// member must converge on the same applied log within a bounded number of rounds.
void check_liveness(SimNetwork& net, uint64_t seed) {
  net.heal();
  net.set_crash_before_persist(0);
  for (NodeId id : net.ids()) net.restart(id);
  bool done = false;
  for (int round = 0; round < 300 && !done; ++round) {
    net.run(1);
    NodeId leader = net.leader();
    if (leader == kNoNode) continue;
    if (!has_final(net, leader)) net.propose(leader, "final");
    net.stabilize();
    done = converged(net, leader);
  }
  INFO("seed " << seed);
  if (!done) {
    for (NodeId id : net.ids()) {
      auto& c = net.core(id);
      std::string vs;
      for (NodeId v : c.config().voters) vs += std::to_string(v) + ",";
      UNSCOPED_INFO("node " << id << " role " << static_cast<int>(c.role()) << " term " << c.term()
                            << " lead " << c.leader() << " commit " << c.commit_index() << " last "
                            << c.log().last_index() << " applied " << net.node(id).applied.size()
                            << " voters " << vs);
      std::string log;
      for (const Entry& e : net.node(id).storage->all_entries()) {
        log += std::to_string(e.index) + "/t" + std::to_string(e.term);
        if (e.type == EntryType::kConfChange) {
          auto cc = decode_conf_change(e.data);
          log += (cc->type == ConfChangeType::kAddNode ? "+" : "-") + std::to_string(cc->node);
        } else if (e.data.empty()) {
          log += "noop";
        }
        log += " ";
      }
      UNSCOPED_INFO("   log " << log);
    }
  }
  REQUIRE(done);
}

// Through a random running member: removes a random voter (its view) while more than two
// remain, otherwise adds a random non-voter. The leader takes one change at a time.
void random_conf_change(SimNetwork& net) {
  NodeId via = pick(net), target = pick(net);
  if (!net.up(via)) return;
  const auto& voters = net.core(via).config().voters;
  bool is_voter = std::find(voters.begin(), voters.end(), target) != voters.end();
  if (is_voter && voters.size() <= 2) return;
  ConfChange cc{is_voter ? ConfChangeType::kRemoveNode : ConfChangeType::kAddNode, target, ""};
  net.propose_conf_change(via, cc);
}

// voters: the initial configuration (empty: every node); with conf_per_mille > 0, each step
// is also a membership change with that probability.
void simulate(uint64_t seed, size_t nodes, int steps, SimNetwork::Config tweak = {},
              std::vector<NodeId> voters = {}, uint64_t conf_per_mille = 0) {
  // Short election timeouts so that a few hundred steps see many elections.
  SimNetwork net(
      members(nodes), seed,
      [tweak](RaftConfig& c) {
        c.election_tick = 3;
        if (tweak) tweak(c);
      },
      std::move(voters));
  net.set_crash_before_persist(2);
  for (int step = 0; step < steps; ++step) {
    if (conf_per_mille != 0 && net.rng().below(1000) < conf_per_mille) {
      random_conf_change(net);
    } else {
      random_step(net, step);
    }
    if (!net.violations().empty()) break;
  }
  INFO("seed " << seed);
  REQUIRE(net.violations() == std::vector<std::string>{});
  check_liveness(net, seed);
  REQUIRE(net.violations() == std::vector<std::string>{});
}

// Runs per test case: the CI default, times LARCH_SIM_SCALE when set (e.g. 20 for a long
// soak; seeds stay disjoint between the cases below up to a scale of 40).
uint64_t runs(uint64_t base) {
  const char* scale = std::getenv("LARCH_SIM_SCALE");
  uint64_t k = scale ? std::strtoull(scale, nullptr, 10) : 1;
  return base * (k == 0 ? 1 : k);
}

}  // namespace

TEST_CASE("randomized simulation: 3 members, default config", "[raft][sim]") {
  for (uint64_t seed = 1; seed <= runs(1500); ++seed) simulate(seed, 3, 1000);
}

TEST_CASE("randomized simulation: 5 members, small messages and windows", "[raft][sim]") {
  for (uint64_t seed = 100'000; seed < 100'000 + runs(600); ++seed) {
    simulate(seed, 5, 1000, [](RaftConfig& c) {
      c.max_inflight_msgs = 2;
      c.max_size_per_msg = 4;
    });
  }
}

TEST_CASE("randomized simulation: without pre-vote / check-quorum", "[raft][sim]") {
  for (uint64_t seed = 200'000; seed < 200'000 + runs(400); ++seed) {
    simulate(seed, 3, 1000, [](RaftConfig& c) {
      c.pre_vote = (c.id % 2) == 0;  // mixed is allowed too
      c.check_quorum = false;
    });
  }
}

TEST_CASE("randomized simulation: membership changes among 5 nodes", "[raft][sim]") {
  // Starts with voters {1,2,3}; 4 and 5 run from the start, waiting to be added.
  for (uint64_t seed = 300'000; seed < 300'000 + runs(600); ++seed) {
    simulate(seed, 5, 1000, {}, {1, 2, 3}, 20);
  }
}
