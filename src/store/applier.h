#pragma once
// etcd v2 store semantics (set/create/update/CAS/delete/CAD/in-order/expire/internal) on
// the live key space (LiveWriter: memory now, keys.db behind), the member tables and the auth
// records.
// Deterministic: every time comes from the Command. Runs on the apply thread, inside a
// KeyStore batch. Not thread-safe.
#include <cstdint>
#include <optional>
#include <string>

#include "auth/auth_state.h"
#include "store/auth_table.h"
#include "store/command.h"
#include "store/key_store.h"
#include "store/live_writer.h"
#include "store/member_table.h"
#include "store/node_json.h"

namespace larch::store {

class Applier {
 public:
  // etcd_index is the store's in-memory etcd index; apply advances it. auth_state is the
  // store's applied auth state, kept equal to what auth_table holds.
  Applier(LiveWriter& nodes, MemberTable& members, AuthTable& auth_table,
          auth::AuthState& auth_state, uint64_t& etcd_index);

  // Applies cmd. apply_membership = false: a raftAttributes / removed_members internal
  // command still consumes its etcd index and history slot, but leaves member_peers alone
  // and the result's member_peers unset (the table already reflects it: KeyStore's
  // conf_index rule). want_body = false: a success result's body is left empty (no client
  // waits for the answer on this member, so the event JSON is not copied into it); error
  // results still carry theirs, and events are the same either way.
  ApplyResult apply(const Command& cmd, bool apply_membership, bool want_body = true);

 private:
  ApplyResult set(const Command& cmd);
  ApplyResult create(const Command& cmd, const std::string& key);
  ApplyResult update(const Command& cmd);
  ApplyResult compare_and_swap(const Command& cmd);
  ApplyResult remove(const Command& cmd);
  ApplyResult compare_and_delete(const Command& cmd);
  ApplyResult expire(const Command& cmd);
  ApplyResult internal(const Command& cmd, bool apply_membership);
  // raftAttributes / removed_members: updates member_peers and sets r.member_peers.
  void membership(const Command& cmd, ApplyResult& r);

  ApplyResult error(int code, const std::optional<std::string>& cause) const;
  // Records a change at index etcd_index+1 and builds the success result.
  ApplyResult record(const char* action, int status, const node_json::Fields& node,
                     const node_json::Fields* prev, const Command& cmd, bool removal);
  ApplyResult record(const char* action, int status, const node_json::Fields& node,
                     const node_json::Fields* prev, int64_t now_ns, HistoryKind kind, bool removal);

  LiveWriter& nodes_;
  MemberTable& members_;
  AuthTable& auth_table_;
  auth::AuthState& auth_state_;
  uint64_t& etcd_index_;
  NodeRow node_;           // scratch, reused across commands
  bool want_body_ = true;  // of the command being applied
};

}  // namespace larch::store
