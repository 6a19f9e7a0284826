#include "server/force_new_cluster.h"

#include <algorithm>
#include <set>

#include "consensus/conf_change.h"
#include "store/command.h"
#include "store/member_table.h"

namespace larch::server {
namespace {

// The voters once every entry of the log is applied: the member table's live rows, changed
// by the configuration entries the key space has not applied yet.
std::set<uint64_t> log_voters(const store::SqliteLogStorage& log, uint64_t applied_index,
                              const std::vector<store::MemberPeers>& rows) {
  std::set<uint64_t> voters;
  for (const auto& r : rows) {
    if (!r.removed) voters.insert(r.id);
  }
  constexpr uint64_t kChunkBytes = 8 << 20;
  for (uint64_t next = applied_index + 1; next <= log.last_index();) {
    std::vector<consensus::Entry> es = log.entries(next, log.last_index() + 1, kChunkBytes);
    if (es.empty()) break;
    for (const auto& e : es) {
      if (e.type != consensus::EntryType::kConfChange) continue;
      auto cc = consensus::decode_conf_change(e.data);
      if (!cc) continue;
      if (cc->type == consensus::ConfChangeType::kAddNode) voters.insert(cc->node);
      if (cc->type == consensus::ConfChangeType::kRemoveNode) voters.erase(cc->node);
    }
    next = es.back().index + 1;
  }
  return voters;
}

consensus::Entry removal_entry(uint64_t node, uint64_t index, uint64_t term, int64_t now_ns) {
  store::Command cmd;
  cmd.op = store::OpType::kInternal;
  cmd.key = store::removed_member_key(node);
  cmd.now_ns = now_ns;
  consensus::ConfChange cc;
  cc.type = consensus::ConfChangeType::kRemoveNode;
  cc.node = node;
  cc.context = store::encode_command(cmd);
  consensus::Entry e;
  e.index = index;
  e.term = term;
  e.type = consensus::EntryType::kConfChange;
  e.data = consensus::encode_conf_change(cc);
  return e;
}

}  // namespace

ForcedCluster force_new_cluster(store::SqliteLogStorage& log, uint64_t applied_index,
                                const std::vector<store::MemberPeers>& rows, uint64_t self,
                                int64_t now_ns) {
  ForcedCluster out;
  consensus::HardState hs = log.hard_state();
  if (applied_index > log.last_index()) {
    // A snapshot install was interrupted (RaftLoop finishes it at startup).
    out.error =
        "--force-new-cluster: the data dir is in the middle of a snapshot install; start once "
        "without the flag, then again with it";
    return out;
  }
  out.commit = std::max(hs.commit, applied_index);
  std::set<uint64_t> voters = log_voters(log, applied_index, rows);
  if (!voters.contains(self)) {
    out.error = "--force-new-cluster: this member is not a voter of its cluster";
    return out;
  }
  voters.erase(self);
  if (voters.empty()) return out;  // already the only voter: nothing to force
  // The current term (a new leader's entries come in a later one), at least 1.
  uint64_t term = std::max<uint64_t>(hs.term, 1);
  std::vector<consensus::Entry> entries;
  for (uint64_t node : voters) {
    entries.push_back(removal_entry(node, log.last_index() + 1 + entries.size(), term, now_ns));
    out.removed.push_back(node);
  }
  hs.term = term;
  hs.commit = entries.back().index;
  log.persist(hs, entries);  // one durable transaction
  out.commit = hs.commit;
  return out;
}

}  // namespace larch::server
