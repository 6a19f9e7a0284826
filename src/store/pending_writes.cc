#include "store/pending_writes.h"

#include <stdexcept>
#include <unordered_map>

#include "store/watch_match.h"

namespace larch::store {

PendingWrites::PendingWrites(const PendingWrites& like, int) {
  ops_.reserve(like.ops_.size());
  bytes_.reserve(like.bytes_.size());
}

PendingWrites::Op& PendingWrites::add(Kind kind, std::string_view key, std::string_view data) {
  if (bytes_.size() + key.size() + data.size() > UINT32_MAX) {
    throw std::length_error("PendingWrites: batch larger than 4 GiB");
  }
  Op& op = ops_.emplace_back();
  op.kind = kind;
  op.key = {static_cast<uint32_t>(bytes_.size()), static_cast<uint32_t>(key.size())};
  bytes_.append(key);
  op.data = {static_cast<uint32_t>(bytes_.size()), static_cast<uint32_t>(data.size())};
  bytes_.append(data);
  return op;
}

void PendingWrites::put(const NodeRow& n) {
  Op& op = add(Kind::kPut, n.key, n.value);
  op.dir = n.dir;
  op.expiration = n.expiration;
  op.created = n.created;
  op.modified = n.modified;
}

void PendingWrites::set_value(std::string_view key, std::string_view value, uint64_t modified,
                              std::optional<int64_t> expiration) {
  Op& op = add(Kind::kSetValue, key, value);
  op.modified = modified;
  op.expiration = expiration;
}

void PendingWrites::set_expiration(std::string_view key, std::optional<int64_t> expiration) {
  add(Kind::kSetExpiration, key).expiration = expiration;
}

void PendingWrites::remove(std::string_view key) {
  add(Kind::kRemove, key);
}

void PendingWrites::remove_subtree(std::string_view key) {
  add(Kind::kRemoveSubtree, key);
}

void PendingWrites::append_event(HistoryKind kind, const Event& e) {
  Op& op = add(Kind::kEvent, e.key, e.json);
  op.history = kind;
  op.modified = e.index;
  op.dir = e.dir;
  op.removal = e.removal;
}

bool PendingWrites::find_event(std::string_view key, bool recursive, uint64_t from, uint64_t to,
                               HistoryResult& out) const {
  for (const Op& op : ops_) {
    if (op.kind != Kind::kEvent || op.history != HistoryKind::kEvent) continue;
    if (op.modified > to) return false;
    if (op.modified < from || !watch_matches(key, recursive, view(op.key), op.dir, op.removal)) {
      continue;
    }
    out.kind = HistoryResult::Kind::kFound;
    out.index = op.modified;
    out.json.assign(view(op.data));
    return true;
  }
  return false;
}

void PendingWrites::write_to(NodeTable& nodes, HistoryTable& history) const {
  for (const Op& op : ops_) write_op(op, nodes, history);
}

void PendingWrites::write_op(const Op& op, NodeTable& nodes, HistoryTable& history) const {
  std::string_view key = view(op.key), data = view(op.data);
  switch (op.kind) {
    case Kind::kPut:
      nodes.put(key, op.dir, data, op.expiration, op.created, op.modified);
      break;
    case Kind::kSetValue:
      nodes.set_value(key, data, op.modified, op.expiration);
      break;
    case Kind::kSetExpiration:
      nodes.set_expiration(key, op.expiration);
      break;
    case Kind::kRemove:
      nodes.remove(key);
      break;
    case Kind::kRemoveSubtree:
      nodes.remove_subtree(key);
      break;
    case Kind::kEvent:
      history.append(op.history, op.modified, key, op.dir, op.removal, data);
      break;
  }
}

void PendingWrites::write_all(const std::vector<const PendingWrites*>& batches, NodeTable& nodes,
                              HistoryTable& history) {
  // Positions count ops across all batches from 1 (0: none). Keys are views into the
  // batches' bytes, which outlive this call.
  struct Last {
    uint64_t whole = 0;  // last kPut / kRemove of the key
    uint64_t value = 0;  // last kSetValue of the key
  };
  size_t total = 0;
  for (const PendingWrites* b : batches) total += b->ops_.size();
  std::unordered_map<std::string_view, Last> last;
  last.reserve(total);
  uint64_t pos = 0;
  for (const PendingWrites* b : batches) {
    for (const Op& op : b->ops_) {
      ++pos;
      if (op.kind == Kind::kPut || op.kind == Kind::kRemove) last[b->view(op.key)].whole = pos;
      if (op.kind == Kind::kSetValue) last[b->view(op.key)].value = pos;
    }
  }
  pos = 0;
  for (const PendingWrites* b : batches) {
    for (const Op& op : b->ops_) {
      ++pos;
      bool row_op = op.kind == Kind::kPut || op.kind == Kind::kRemove ||
                    op.kind == Kind::kSetValue || op.kind == Kind::kSetExpiration;
      auto it = row_op ? last.find(b->view(op.key)) : last.end();
      if (it != last.end()) {
        bool partial = op.kind == Kind::kSetValue || op.kind == Kind::kSetExpiration;
        if (pos < it->second.whole || (partial && pos < it->second.value)) continue;
      }
      b->write_op(op, nodes, history);
    }
  }
}

}  // namespace larch::store
