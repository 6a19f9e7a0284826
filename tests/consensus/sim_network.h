#pragma once
// In-memory cluster for RaftCore tests: a message pool the test delivers, drops,
// duplicates or reorders by hand; links that can be cut; crash/restart on the node's
// MemoryLogStorage; hand-driven ticks; a seeded RNG; no threads, no sleeps. After every
// input a node's Ready is drained (persist -> send -> apply -> advance) and the Raft
// safety invariants are checked (see SafetyChecker). Violations are recorded in
// `violations()` so tests can REQUIRE(net.violations().empty()).
#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "consensus/memory_log_storage.h"
#include "consensus/raft_core.h"
#include "consensus/split_mix64.h"

namespace larch::consensus::test {

inline uint64_t mix_hash(uint64_t h, const Entry& e) {
  SplitMix64 m(h ^ (e.term * 0x9e3779b97f4a7c15ULL) ^ (e.index << 17) ^
               std::hash<std::string>{}(e.data) ^ static_cast<uint64_t>(e.type));
  return m.next();
}

struct SimNode {
  NodeId id = kNoNode;
  std::unique_ptr<MemoryLogStorage> storage;
  std::unique_ptr<RaftCore> core;  // null while crashed
  std::vector<Entry> applied;      // the (durable) state machine: entries applied in order
  std::vector<ReadState> read_states;
  std::vector<uint64_t> hashes;  // hashes[i] = chain hash of storage entries 1..i+1
  uint64_t max_commit = 0;
};

class SimNetwork {
 public:
  using Config = std::function<void(RaftConfig&)>;

  // `voters`: the initial configuration (default: every node). Nodes outside it start as
  // members waiting to be added (as a joining member: the initial voters, then the log).
  SimNetwork(std::vector<NodeId> ids, uint64_t seed, Config tweak = {},
             std::vector<NodeId> voters = {})
      : ids_(std::move(ids)),
        initial_voters_(voters.empty() ? ids_ : std::move(voters)),
        rng_(seed),
        tweak_(std::move(tweak)) {
    for (NodeId id : ids_) {
      SimNode& n = nodes_[id];
      n.id = id;
      n.storage = std::make_unique<MemoryLogStorage>();
      start(n);
    }
  }

  // ----- access
  RaftCore& core(NodeId id) { return *nodes_.at(id).core; }
  SimNode& node(NodeId id) { return nodes_.at(id); }
  bool up(NodeId id) const { return nodes_.at(id).core != nullptr; }
  const std::vector<NodeId>& ids() const { return ids_; }
  std::vector<Message>& pool() { return pool_; }
  const std::vector<std::string>& violations() const { return violations_; }
  SplitMix64& rng() { return rng_; }

  // The leader with the highest term among running nodes (kNoNode if none).
  NodeId leader() const {
    NodeId best = kNoNode;
    uint64_t best_term = 0;
    for (const auto& [id, n] : nodes_) {
      if (n.core && n.core->role() == Role::kLeader && n.core->term() >= best_term) {
        best = id;
        best_term = n.core->term();
      }
    }
    return best;
  }

  // ----- inputs (each drains the node's Ready and checks invariants)
  void tick(NodeId id) {
    with(id, [](RaftCore& c) { c.tick(); });
  }
  void tick_all() {
    for (NodeId id : ids_) tick(id);
  }
  void campaign(NodeId id) {
    with(id, [](RaftCore& c) { c.campaign(); });
  }
  RequestResult propose(NodeId id, std::string data) {
    RequestResult r;
    with(id, [&](RaftCore& c) { r = c.propose(std::move(data)); });
    return r;
  }
  RequestResult propose_batch(NodeId id, std::vector<std::string> batch) {
    RequestResult r;
    with(id, [&](RaftCore& c) { r = c.propose(std::move(batch)); });
    return r;
  }
  // Also records the commit index known cluster-wide now: a linearizable read point
  // returned later must not be below it.
  RequestResult read_index(NodeId id, std::string ctx) {
    read_floor_[ctx] = committed_.size();
    RequestResult r;
    with(id, [&](RaftCore& c) { r = c.read_index(std::move(ctx)); });
    return r;
  }
  RequestResult propose_conf_change(NodeId id, const ConfChange& cc) {
    RequestResult r;
    with(id, [&](RaftCore& c) { r = c.propose_conf_change(cc); });
    return r;
  }
  RequestResult request_leadership(NodeId id) {
    RequestResult r;
    with(id, [&](RaftCore& c) { r = c.request_leadership(); });
    return r;
  }
  RequestResult transfer(NodeId id, NodeId target) {
    RequestResult r;
    with(id, [&](RaftCore& c) { r = c.transfer_leadership(target); });
    return r;
  }

  // ----- message pool
  // Delivers pool_[i] (removing it). False when it was lost (cut link / node down).
  bool deliver(size_t i) {
    Message m = std::move(pool_[i]);
    pool_.erase(pool_.begin() + static_cast<ptrdiff_t>(i));
    if (!link_ok(m.from, m.to) || !up(m.to)) return false;
    with(m.to, [&](RaftCore& c) { c.step(m); });
    return true;
  }
  void drop(size_t i) { pool_.erase(pool_.begin() + static_cast<ptrdiff_t>(i)); }
  void duplicate(size_t i) { pool_.push_back(pool_[i]); }
  // Delivers in FIFO order until the pool is empty (or max_steps deliveries).
  void stabilize(size_t max_steps = 100000) {
    for (size_t n = 0; n < max_steps && !pool_.empty(); ++n) deliver(0);
  }
  // Delivers the first message matching pred; false if none.
  bool deliver_first(const std::function<bool(const Message&)>& pred) {
    for (size_t i = 0; i < pool_.size(); ++i) {
      if (pred(pool_[i])) return deliver(i), true;
    }
    return false;
  }
  // Drops every message matching pred; returns how many.
  size_t drop_if(const std::function<bool(const Message&)>& pred) {
    size_t before = pool_.size();
    std::erase_if(pool_, pred);
    return before - pool_.size();
  }

  // ----- faults
  void cut(NodeId a, NodeId b) {
    cut_.insert({a, b});
    cut_.insert({b, a});
  }
  void isolate(NodeId id) {
    for (NodeId o : ids_) {
      if (o != id) cut(id, o);
    }
  }
  // Nodes in different groups cannot talk; nodes not listed keep their links.
  void partition(const std::vector<std::vector<NodeId>>& groups) {
    for (size_t g = 0; g < groups.size(); ++g) {
      for (size_t h = 0; h < groups.size(); ++h) {
        if (g == h) continue;
        for (NodeId a : groups[g]) {
          for (NodeId b : groups[h]) cut(a, b);
        }
      }
    }
  }
  void heal() { cut_.clear(); }
  bool link_ok(NodeId a, NodeId b) const { return cut_.count({a, b}) == 0; }

  // Loses the node's volatile state; storage and the applied state machine survive.
  void crash(NodeId id) { nodes_.at(id).core.reset(); }
  // Each input is followed, with this probability (per mille), by a crash before the
  // resulting Ready is persisted.
  void set_crash_before_persist(uint64_t per_mille) { crash_per_mille_ = per_mille; }
  void restart(NodeId id) {
    SimNode& n = nodes_.at(id);
    if (!n.core) start(n);
  }

  // ----- helpers for targeted tests
  // Makes `id` leader: it campaigns, and while the others still honour a leader lease the
  // others' clocks advance (their own campaign messages are discarded) until it wins.
  bool elect(NodeId id, int max_rounds = 100) {
    for (int r = 0; r < max_rounds; ++r) {
      campaign(id);
      stabilize();
      if (core(id).role() == Role::kLeader) return true;
      for (NodeId o : ids_) {
        if (o != id && up(o)) tick(o);
      }
      drop_if([&](const Message& m) {
        return m.from != id && (m.type == MessageType::kPreVote || m.type == MessageType::kVote);
      });
    }
    return false;
  }
  // Ticks every running node and delivers everything, `rounds` times.
  void run(int rounds) {
    for (int r = 0; r < rounds; ++r) {
      for (NodeId id : ids_) {
        if (up(id)) tick(id);
      }
      stabilize();
    }
  }
  // The configuration after the node's applied entries, as a driver restores it from its
  // state machine: the initial voters, then every applied conf change (same rules as the core).
  std::vector<NodeId> applied_voters(NodeId id) const {
    std::vector<NodeId> v = initial_voters_;
    for (const Entry& e : nodes_.at(id).applied) {
      auto cc = e.type == EntryType::kConfChange ? decode_conf_change(e.data) : std::nullopt;
      if (!cc) continue;
      auto it = std::find(v.begin(), v.end(), cc->node);
      if (cc->type == ConfChangeType::kAddNode && it == v.end()) v.push_back(cc->node);
      if (cc->type == ConfChangeType::kRemoveNode && it != v.end() && v.size() > 1) v.erase(it);
    }
    std::sort(v.begin(), v.end());
    return v;
  }
  std::vector<std::string> applied_data(NodeId id) const {
    std::vector<std::string> out;
    for (const Entry& e : nodes_.at(id).applied) {
      if (!e.data.empty()) out.push_back(e.data);
    }
    return out;
  }

 private:
  void start(SimNode& n) {
    RaftConfig cfg;
    cfg.id = n.id;
    cfg.voters = applied_voters(n.id);
    if (tweak_) tweak_(cfg);
    cfg.applied = n.applied.size();
    n.core = std::make_unique<RaftCore>(cfg, *n.storage, rng_.next());
    check(n);
  }

  template <typename F>
  void with(NodeId id, F&& f) {
    SimNode& n = nodes_.at(id);
    if (!n.core) return;
    f(*n.core);
    if (crash_per_mille_ != 0 && rng_.below(1000) < crash_per_mille_) {
      n.core.reset();  // crash before the Ready was persisted: its effects are lost
      return;
    }
    drain(n);
  }

  void drain(SimNode& n) {
    while (n.core->has_ready()) {
      Ready rd = n.core->ready();
      n.storage->persist(rd.hard_state.value_or(n.core->hard_state()), rd.entries);
      if (!rd.entries.empty()) rehash(n, rd.entries.front().index);
      for (Message& m : rd.messages) {
        if (link_ok(m.from, m.to)) pool_.push_back(std::move(m));
      }
      for (const Entry& e : rd.committed_entries) apply(n, e);
      for (ReadState& rs : rd.read_states) {
        auto floor = read_floor_.find(rs.context);
        if (floor != read_floor_.end() && rs.index < floor->second) fail(n, "stale read index");
        n.read_states.push_back(std::move(rs));
      }
      n.core->advance(rd);
      // As the driver does: committed conf changes take effect after advance, in order.
      for (const Entry& e : rd.committed_entries) {
        if (e.type != EntryType::kConfChange) continue;
        if (auto cc = decode_conf_change(e.data)) n.core->apply_conf_change(*cc);
      }
    }
    check(n);
  }

  void rehash(SimNode& n, uint64_t from) {
    const auto& ents = n.storage->all_entries();
    n.hashes.resize(from - 1);
    for (uint64_t i = from; i <= ents.size(); ++i) {
      n.hashes.push_back(mix_hash(i == 1 ? 0 : n.hashes[i - 2], ents[i - 1]));
    }
  }

  void apply(SimNode& n, const Entry& e) {
    if (e.index != n.applied.size() + 1) fail(n, "applied out of order");
    n.applied.push_back(e);
    if (e.index <= committed_.size()) {
      if (!(committed_[e.index - 1] == e)) fail(n, "state machine safety: applied differs");
    } else if (e.index == committed_.size() + 1) {
      push_committed(e, UINT64_MAX);
    }
  }

  void push_committed(const Entry& e, uint64_t term) {
    committed_hashes_.push_back(mix_hash(committed_.empty() ? 0 : committed_hashes_.back(), e));
    committed_.push_back(e);
    commit_terms_.push_back(term);
  }

  void check(SimNode& n);

  void fail(const SimNode& n, const std::string& what) {
    if (violations_.size() < 20) {
      violations_.push_back("node " + std::to_string(n.id) + ": " + what);
    }
  }

  std::vector<NodeId> ids_;
  std::vector<NodeId> initial_voters_;
  std::map<NodeId, SimNode> nodes_;
  std::vector<Message> pool_;
  std::set<std::pair<NodeId, NodeId>> cut_;
  SplitMix64 rng_;
  Config tweak_;
  uint64_t crash_per_mille_ = 0;
  std::map<uint64_t, NodeId> leaders_;  // term -> the leader seen in it
  std::vector<Entry> committed_;        // the committed log as observed so far
  std::vector<uint64_t> committed_hashes_;
  std::vector<uint64_t> commit_terms_;          // lowest leader term seen committing index i+1
  std::map<std::string, uint64_t> read_floor_;  // read ctx -> commit known at request
  std::vector<std::string> violations_;
};

// Invariants (Raft Figure 3) checked on node n after it processed an input.
inline void SimNetwork::check(SimNode& n) {
  const RaftCore& c = *n.core;
  // Election safety: at most one leader per term.
  if (c.role() == Role::kLeader) {
    auto [it, inserted] = leaders_.emplace(c.term(), n.id);
    if (!inserted && it->second != n.id) fail(n, "two leaders in term " + std::to_string(c.term()));
  }
  // Commit index never decreases (across restarts too: it is persisted every Ready).
  uint64_t commit = c.commit_index();
  if (commit < n.max_commit) fail(n, "commit index decreased");
  n.max_commit = std::max(n.max_commit, commit);
  if (commit > n.hashes.size()) fail(n, "commit index beyond the persisted log");
  commit = std::min<uint64_t>(commit, n.hashes.size());
  // The committed prefix of every log is the one committed log (state machine safety).
  uint64_t common = std::min<uint64_t>(commit, committed_.size());
  if (common > 0 && n.hashes[common - 1] != committed_hashes_[common - 1]) {
    fail(n, "committed prefix differs at or below " + std::to_string(common));
  }
  const auto& ents = n.storage->all_entries();
  for (uint64_t i = committed_.size() + 1; i <= commit; ++i) {
    push_committed(ents[i - 1], c.role() == Role::kLeader ? c.term() : UINT64_MAX);
  }
  if (c.role() == Role::kLeader) {
    for (uint64_t i = commit; i > 0 && commit_terms_[i - 1] > c.term(); --i) {
      commit_terms_[i - 1] = c.term();
    }
    // Leader completeness: entries committed in earlier terms are in this leader's log.
    uint64_t i = committed_.size();
    while (i > 0 && commit_terms_[i - 1] >= c.term()) --i;
    if (i > n.hashes.size() || (i > 0 && n.hashes[i - 1] != committed_hashes_[i - 1])) {
      fail(n, "leader completeness: missing committed entry <= " + std::to_string(i));
    }
  }
  // Log matching: same index and term => identical prefixes.
  for (const auto& [oid, o] : nodes_) {
    if (oid == n.id) continue;
    const auto& oents = o.storage->all_entries();
    uint64_t i = std::min(ents.size(), oents.size());
    while (i > 0 && ents[i - 1].term != oents[i - 1].term) --i;
    if (i > 0 && n.hashes[i - 1] != o.hashes[i - 1]) {
      fail(n,
           "log matching violated with node " + std::to_string(oid) + " at " + std::to_string(i));
    }
  }
}

}  // namespace larch::consensus::test
