#include "store/mem_tree.h"

#include "store/key_path.h"

namespace larch::store {

MemTree::MemTree() {
  root_.dir = true;
}

const MemNode* MemTree::find(std::string_view key) const {
  return const_cast<MemTree*>(this)->find_mutable(key);
}

MemNode* MemTree::find_mutable(std::string_view key) {
  MemNode* n = &root_;
  if (key == key_path::kRoot) return n;
  if (key.empty() || key.front() != '/') return nullptr;
  size_t pos = 0;
  for (;;) {
    size_t next = key.find('/', pos + 1);
    auto it = n->children.find(key.substr(0, next));
    if (it == n->children.end()) return nullptr;
    n = it->second.get();
    if (next == std::string_view::npos) return n;
    pos = next;
  }
}

std::optional<bool> MemTree::is_dir(std::string_view key) const {
  const MemNode* n = find(key);
  if (n == nullptr) return std::nullopt;
  return n->dir;
}

bool MemTree::put(const NodeRow& row) {
  if (row.key == key_path::kRoot || row.key.empty()) return false;
  MemNode* parent = find_mutable(key_path::parent(row.key));
  if (parent == nullptr || !parent->dir) return false;
  auto it = parent->children.find(row.key);
  if (it == parent->children.end()) {
    it = parent->children.emplace(row.key, std::make_unique<MemNode>()).first;
    ++size_;
  }
  MemNode& n = *it->second;
  n.dir = row.dir;
  n.value = row.value;
  change_expiration(row.key, n, row.expiration);
  n.created = row.created;
  n.modified = row.modified;
  return true;
}

void MemTree::set_value(std::string_view key, std::string_view value, uint64_t modified,
                        std::optional<int64_t> expiration) {
  if (key == key_path::kRoot) return;
  MemNode* n = find_mutable(key);
  if (n == nullptr) return;
  n->value.assign(value);
  n->modified = modified;
  change_expiration(key, *n, expiration);
}

void MemTree::set_expiration(std::string_view key, std::optional<int64_t> expiration) {
  if (key == key_path::kRoot) return;
  if (MemNode* n = find_mutable(key)) change_expiration(key, *n, expiration);
}

void MemTree::change_expiration(std::string_view key, MemNode& n,
                                std::optional<int64_t> expiration) {
  if (n.expiration == expiration) return;  // the common case: no index change, no copy
  std::string k(key);
  if (n.expiration) expiring_.erase({*n.expiration, k});
  if (expiration) expiring_.emplace(*expiration, std::move(k));
  n.expiration = expiration;
}

void MemTree::remove(std::string_view key) {
  if (key == key_path::kRoot || key.empty()) return;
  MemNode* parent = find_mutable(key_path::parent(key));
  if (parent == nullptr) return;
  auto it = parent->children.find(key);
  if (it == parent->children.end()) return;
  forget(it->first, *it->second);
  parent->children.erase(it);
}

void MemTree::forget(const std::string& key, const MemNode& n) {
  --size_;
  if (n.expiration) expiring_.erase({*n.expiration, key});
  for (const auto& [child_key, child] : n.children) forget(child_key, *child);
}

void MemTree::clear() {
  root_.children.clear();
  size_ = 0;
  expiring_.clear();
}

std::vector<std::string> MemTree::expired(int64_t now_ns) const {
  std::vector<std::string> keys;
  for (const auto& [expiration, key] : expiring_) {
    if (expiration > now_ns) break;
    keys.push_back(key);
  }
  return keys;
}

std::vector<std::pair<std::string, int64_t>> MemTree::ttl_nodes() const {
  std::vector<std::pair<std::string, int64_t>> out;
  out.reserve(expiring_.size());
  for (const auto& [expiration, key] : expiring_) out.emplace_back(key, expiration);
  return out;
}

std::optional<int64_t> MemTree::next_expiration() const {
  if (expiring_.empty()) return std::nullopt;
  return expiring_.begin()->first;
}

}  // namespace larch::store
