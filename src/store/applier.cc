#include "store/applier.h"

#include <cstdio>

#include "store/key_path.h"
#include "util/go_json.h"
#include "util/v2_error.h"

namespace larch::store {
namespace ec = util::ecode;
namespace {

constexpr int kOk = 200, kCreated = 201;

// etcd's node.Compare + getCompareFailCause: nullopt when the conditions hold.
std::optional<std::string> compare_failure(const NodeRow& n, const Command& cmd) {
  bool has_value = cmd.prev_value && !cmd.prev_value->empty();
  bool value_ok = !has_value || n.value == *cmd.prev_value;
  bool index_ok = cmd.prev_index == 0 || n.modified == cmd.prev_index;
  if (value_ok && index_ok) return std::nullopt;
  std::string value_part =
      "[" + (has_value ? *cmd.prev_value : std::string()) + " != " + n.value + "]";
  std::string index_part =
      "[" + std::to_string(cmd.prev_index) + " != " + std::to_string(n.modified) + "]";
  if (index_ok) return value_part;
  if (value_ok) return index_part;
  return value_part + " " + index_part;
}

// POST child name: the new etcd index, decimal, zero-padded to 20 digits.
std::string in_order_key(const std::string& dir, uint64_t index) {
  char name[24];
  std::snprintf(name, sizeof name, "%020llu", static_cast<unsigned long long>(index));
  return key_path::join(dir, name);
}

// The node of a delete / compareAndDelete / expire event: no value, no expiration.
node_json::Fields removed(const NodeRow& n, uint64_t index) {
  node_json::Fields f = node_json::node(n.key, n.dir, {}, std::nullopt, index, n.created);
  f.value.reset();
  return f;
}

}  // namespace

Applier::Applier(LiveWriter& nodes, MemberTable& members, AuthTable& auth_table,
                 auth::AuthState& auth_state, uint64_t& etcd_index)
    : nodes_(nodes),
      members_(members),
      auth_table_(auth_table),
      auth_state_(auth_state),
      etcd_index_(etcd_index) {}

ApplyResult Applier::apply(const Command& cmd, bool apply_membership, bool want_body) {
  if (cmd.key.empty()) {  // tolerate an un-normalised root
    Command copy = cmd;
    copy.key = key_path::kRoot;
    return apply(copy, apply_membership, want_body);
  }
  want_body_ = want_body;
  switch (cmd.op) {
    case OpType::kSet:
      return set(cmd);
    case OpType::kCreate:
      return create(cmd, cmd.key);
    case OpType::kUpdate:
      return update(cmd);
    case OpType::kCompareAndSwap:
      return compare_and_swap(cmd);
    case OpType::kDelete:
      return remove(cmd);
    case OpType::kCompareAndDelete:
      return compare_and_delete(cmd);
    case OpType::kCreateInOrder:
      return create(cmd, in_order_key(cmd.key, etcd_index_ + 1));
    case OpType::kExpire:
      return expire(cmd);
    case OpType::kInternal:
      return internal(cmd, apply_membership);
  }
  return error(ec::kRaftInternal, "unknown command");
}

ApplyResult Applier::error(int code, const std::optional<std::string>& cause) const {
  ApplyResult r;
  r.error_code = code;
  r.http_status = util::v2_error_status(code);
  r.etcd_index = etcd_index_;
  r.body = util::v2_error_body(code, cause, etcd_index_);
  return r;
}

ApplyResult Applier::record(const char* action, int status, const node_json::Fields& node,
                            const node_json::Fields* prev, const Command& cmd, bool removal) {
  // A refresh occupies a history slot but wakes no watcher (spec §4.4); create, delete and
  // expire never count as refreshes.
  bool refresh =
      cmd.refresh && cmd.op != OpType::kCreate && cmd.op != OpType::kCreateInOrder && !removal;
  return record(action, status, node, prev, cmd.now_ns,
                refresh ? HistoryKind::kRefresh : HistoryKind::kEvent, removal);
}

ApplyResult Applier::record(const char* action, int status, const node_json::Fields& node,
                            const node_json::Fields* prev, int64_t now_ns, HistoryKind kind,
                            bool removal) {
  Event ev;
  ev.index = etcd_index_ + 1;
  ev.key.assign(node.key);
  ev.dir = node.dir;
  ev.removal = removal;
  ev.json = node_json::event(action, node, prev, now_ns);
  nodes_.append_history(kind, ev);
  etcd_index_ = ev.index;

  ApplyResult r;
  r.http_status = status;
  r.etcd_index = etcd_index_;
  r.action = action;
  if (want_body_) r.body = ev.json;
  if (node.expiration && !removal) r.ttl_set.emplace_back(ev.key, *node.expiration);
  if (kind == HistoryKind::kEvent) r.events.push_back(std::move(ev));
  return r;
}

ApplyResult Applier::set(const Command& cmd) {
  std::string cause;
  int rc = nodes_.resolve(cmd.key, node_, cause);
  if (rc == ec::kNotDir || (rc != 0 && cmd.refresh)) return error(rc, cause);
  bool replaced = rc == 0;
  if (cmd.key == key_path::kRoot) return error(ec::kRootReadOnly, "/");
  if (replaced && node_.dir) return error(ec::kNotFile, cmd.key);
  uint64_t index = etcd_index_ + 1;
  if (!replaced && (rc = nodes_.ensure_parents(cmd.key, index, cause)) != 0) {
    return error(rc, cause);
  }
  // refresh keeps the value, but set still replaces the node (new createdIndex).
  std::string_view value;
  if (!cmd.dir) value = cmd.refresh ? std::string_view(node_.value) : std::string_view(cmd.value);
  NodeRow n{cmd.key, cmd.dir, std::string(value), cmd.expiration_ns, index, index};
  nodes_.put(n);
  node_json::Fields prev = node_json::shallow(node_);
  return record("set", replaced ? kOk : kCreated, node_json::shallow(n), replaced ? &prev : nullptr,
                cmd, false);
}

ApplyResult Applier::create(const Command& cmd, const std::string& key) {
  if (key == key_path::kRoot) return error(ec::kRootReadOnly, "/");
  std::string cause;
  uint64_t index = etcd_index_ + 1;
  int rc = nodes_.ensure_parents(key, index, cause);
  if (rc != 0) return error(rc, cause);
  if (nodes_.find(key, node_)) return error(ec::kNodeExist, key);
  NodeRow n{key, cmd.dir, cmd.dir ? std::string() : cmd.value, cmd.expiration_ns, index, index};
  nodes_.put(n);
  // Create ignores refresh (refresh+prevExist=false is an ordinary, watchable create).
  return record("create", kCreated, node_json::shallow(n), nullptr, cmd, false);
}

ApplyResult Applier::update(const Command& cmd) {
  if (cmd.key == key_path::kRoot) return error(ec::kRootReadOnly, "/");
  std::string cause;
  int rc = nodes_.resolve(cmd.key, node_, cause);
  if (rc != 0) return error(rc, cause);
  if (node_.dir && !cmd.value.empty()) return error(ec::kNotFile, cmd.key);
  uint64_t index = etcd_index_ + 1;
  std::string_view value = cmd.refresh ? std::string_view(node_.value) : cmd.value;
  if (node_.dir) {
    // [quirk §2.4] the stored directory keeps its modifiedIndex; only the response/event
    // reports the new index.
    nodes_.set_expiration(cmd.key, cmd.expiration_ns);
  } else {
    nodes_.set_value(cmd.key, value, index, cmd.expiration_ns);
  }
  node_json::Fields prev = node_json::shallow(node_);
  node_json::Fields n =
      node_json::node(cmd.key, node_.dir, value, cmd.expiration_ns, index, node_.created);
  return record("update", kOk, n, &prev, cmd, false);
}

ApplyResult Applier::compare_and_swap(const Command& cmd) {
  if (cmd.key == key_path::kRoot) return error(ec::kRootReadOnly, "/");
  std::string cause;
  int rc = nodes_.resolve(cmd.key, node_, cause);
  if (rc != 0) return error(rc, cause);
  if (node_.dir) return error(ec::kNotFile, cmd.key);
  if (auto failure = compare_failure(node_, cmd)) return error(ec::kTestFailed, failure);
  uint64_t index = etcd_index_ + 1;
  std::string_view value = cmd.refresh ? std::string_view(node_.value) : cmd.value;
  nodes_.set_value(cmd.key, value, index, cmd.expiration_ns);
  node_json::Fields prev = node_json::shallow(node_);
  node_json::Fields n =
      node_json::node(cmd.key, false, value, cmd.expiration_ns, index, node_.created);
  return record("compareAndSwap", kOk, n, &prev, cmd, false);
}

ApplyResult Applier::remove(const Command& cmd) {
  if (cmd.key == key_path::kRoot) return error(ec::kRootReadOnly, "/");
  std::string cause;
  int rc = nodes_.resolve(cmd.key, node_, cause);
  if (rc != 0) return error(rc, cause);
  if (node_.dir) {
    if (!cmd.dir && !cmd.recursive) return error(ec::kNotFile, cmd.key);
    if (!cmd.recursive && nodes_.has_children(cmd.key)) return error(ec::kDirNotEmpty, cmd.key);
  }
  nodes_.remove(cmd.key);
  node_json::Fields prev = node_json::shallow(node_);
  return record("delete", kOk, removed(node_, etcd_index_ + 1), &prev, cmd, true);
}

ApplyResult Applier::compare_and_delete(const Command& cmd) {
  std::string cause;
  int rc = nodes_.resolve(cmd.key, node_, cause);
  if (rc != 0) return error(rc, cause);
  if (node_.dir) {
    // etcd 3.4 answers CAD on the root without a cause (spec §3.4).
    return error(ec::kNotFile,
                 cmd.key == key_path::kRoot ? std::nullopt : std::optional<std::string>(cmd.key));
  }
  if (auto failure = compare_failure(node_, cmd)) return error(ec::kTestFailed, failure);
  nodes_.remove(cmd.key);
  node_json::Fields prev = node_json::shallow(node_);
  return record("compareAndDelete", kOk, removed(node_, etcd_index_ + 1), &prev, cmd, true);
}

ApplyResult Applier::expire(const Command& cmd) {
  ApplyResult out;
  out.action = "expire";
  // Deterministic order (expiration, key); a node already removed with an expired ancestor
  // directory is skipped (it consumes no index and yields no event).
  for (const std::string& key : nodes_.expired(cmd.now_ns)) {
    if (!nodes_.find(key, node_)) continue;
    nodes_.remove(key);
    node_json::Fields prev = node_json::shallow(node_);
    ApplyResult one = record("expire", kOk, removed(node_, etcd_index_ + 1), &prev, cmd.now_ns,
                             HistoryKind::kEvent, true);
    out.events.push_back(std::move(one.events.front()));
  }
  out.etcd_index = etcd_index_;
  return out;
}

ApplyResult Applier::internal(const Command& cmd, bool apply_membership) {
  Event ev;
  ev.index = etcd_index_ + 1;
  ev.key = cmd.key;
  nodes_.append_history(HistoryKind::kInternal, ev);
  etcd_index_ = ev.index;
  ApplyResult r;
  r.action = "internal";
  r.etcd_index = etcd_index_;
  if (auto record = auth_record_of(cmd)) {
    // A record that does not parse still consumes its index but changes nothing (every
    // member decides the same way).
    if (auth::apply_record(auth_state_, *record)) {
      auth_table_.put(*record);
      r.auth_changed = true;
    }
  } else if (auto member = parse_member_attributes_key(cmd.key)) {
    members_.put(*member, cmd.value);
    r.member_attributes.emplace(*member, cmd.value);
  } else if (apply_membership) {
    membership(cmd, r);
  }
  return r;
}

void Applier::membership(const Command& cmd, ApplyResult& r) {
  if (auto id = parse_raft_attributes_key(cmd.key)) {
    members_.put_peers(*id, cmd.value);
    r.member_peers = MemberPeers{*id, cmd.value, false};
  } else if (auto removed = parse_removed_member_key(cmd.key)) {
    r.member_peers = members_.mark_removed(*removed);
  }
}

}  // namespace larch::store
