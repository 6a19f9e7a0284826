// RaftLoop: membership changes. A change is proposed as a kConfChange entry whose context is
// an internal store command (etcd's /0/members/<id>/raftAttributes or /0/removed_members/<id>)
// and takes effect in two places, both in log order: the core's voters (raft thread, as soon
// as the entry is committed) and the key space's member table (apply thread). See
// docs/architecture.md "Membership".
#include "server/raft_loop.h"
#include "util/log_line.h"

namespace larch::server {

std::optional<store::Command> entry_command(const consensus::Entry& e) {
  if (e.data.empty()) return std::nullopt;
  if (e.type == consensus::EntryType::kNormal) return store::decode_command(e.data);
  auto cc = consensus::decode_conf_change(e.data);
  if (!cc) return std::nullopt;
  return store::decode_command(cc->context);
}

void RaftLoop::apply_conf_changes(const std::vector<consensus::Entry>& entries) {
  for (const auto& e : entries) {
    if (e.type != consensus::EntryType::kConfChange || e.index <= conf_applied_) continue;
    conf_applied_ = e.index;
    auto cc = consensus::decode_conf_change(e.data);
    if (!cc) continue;
    auto cmd = store::decode_command(cc->context);
    std::string attributes =
        cmd && cc->type != consensus::ConfChangeType::kRemoveNode ? cmd->value : "";
    if (options_.on_conf_change) options_.on_conf_change(*cc, attributes);
    voter_count_.store(core_->apply_conf_change(*cc).size());
  }
}

}  // namespace larch::server
