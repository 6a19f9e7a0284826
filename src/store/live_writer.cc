#include "store/live_writer.h"

#include <stdexcept>

#include "store/key_path.h"
#include "store/missing_key_cause.h"
#include "util/v2_error.h"

namespace larch::store {

bool LiveWriter::find(std::string_view key, NodeRow& out) const {
  if (key == key_path::kRoot) return false;
  const MemNode* n = tree().find(key);
  if (n == nullptr) return false;
  out.key.assign(key);
  out.dir = n->dir;
  out.value = n->value;
  out.expiration = n->expiration;
  out.created = n->created;
  out.modified = n->modified;
  return true;
}

int LiveWriter::resolve(std::string_view key, NodeRow& out, std::string& cause) const {
  if (key == key_path::kRoot) {
    out = NodeRow{std::string(key_path::kRoot), true, {}, std::nullopt, 0, 0};
    return 0;
  }
  if (find(key, out)) return 0;
  return missing_key_cause(
      key, [this](std::string_view prefix) { return tree().is_dir(prefix); }, cause);
}

int LiveWriter::ensure_parents(std::string_view key, uint64_t index, std::string& cause) {
  std::string_view parent = key_path::parent(key);
  if (parent == key_path::kRoot) return 0;
  std::optional<bool> dir = tree().is_dir(parent);  // fast path: the parent usually exists
  if (dir) {
    if (*dir) return 0;
    cause.assign(parent);
    return util::ecode::kNotDir;
  }
  size_t pos = 0;
  bool creating = false;  // once one component is missing, all below it are too
  for (;;) {
    size_t next = parent.find('/', pos + 1);
    std::string_view prefix = parent.substr(0, next);
    if (!creating) {
      std::optional<bool> d = tree().is_dir(prefix);
      if (d && !*d) {
        cause.assign(prefix);
        return util::ecode::kNotDir;
      }
      creating = !d;
    }
    if (creating) put(NodeRow{std::string(prefix), true, {}, std::nullopt, index, index});
    if (next == std::string_view::npos) return 0;
    pos = next;
  }
}

bool LiveWriter::has_children(std::string_view key) const {
  const MemNode* n = tree().find(key);
  return n != nullptr && !n->children.empty();
}

void LiveWriter::put(const NodeRow& n) {
  // The applier creates parents before children, so this cannot fail; if it ever did, stop
  // before the file and memory could disagree.
  if (!live_.tree().put(n)) throw std::logic_error("key space has no parent for " + n.key);
  pending_.put(n);
}

void LiveWriter::set_value(std::string_view key, std::string_view value, uint64_t modified,
                           std::optional<int64_t> expiration) {
  live_.tree().set_value(key, value, modified, expiration);
  pending_.set_value(key, value, modified, expiration);
}

void LiveWriter::set_expiration(std::string_view key, std::optional<int64_t> expiration) {
  live_.tree().set_expiration(key, expiration);
  pending_.set_expiration(key, expiration);
}

void LiveWriter::remove(std::string_view key) {
  const MemNode* n = tree().find(key);
  if (n == nullptr || key == key_path::kRoot) return;
  // A file is one row; a directory takes the rows below it too.
  if (n->dir && !n->children.empty()) {
    pending_.remove_subtree(key);
  } else {
    pending_.remove(key);
  }
  live_.tree().remove(key);
}

void LiveWriter::append_history(HistoryKind kind, const Event& e) {
  pending_.append_event(kind, e);
}

}  // namespace larch::store
