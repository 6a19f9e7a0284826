#include "store/mem_tree.h"

#include "store/key_path.h"

namespace larch::store {

MemTree::MemTree() {
  root_.dir = true;
}

const MemNode* MemTree::find(std::string_view key) const {
  return const_cast<MemTree*>(this)->find(key);
}

MemNode* MemTree::find(std::string_view key) {
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
  MemNode* parent = find(key_path::parent(row.key));
  if (parent == nullptr || !parent->dir) return false;
  auto it = parent->children.find(row.key);
  if (it == parent->children.end()) {
    it = parent->children.emplace(row.key, std::make_unique<MemNode>()).first;
    ++size_;
  }
  MemNode& n = *it->second;
  n.dir = row.dir;
  n.value = row.value;
  n.expiration = row.expiration;
  n.created = row.created;
  n.modified = row.modified;
  return true;
}

void MemTree::remove(std::string_view key) {
  if (key == key_path::kRoot || key.empty()) return;
  MemNode* parent = find(key_path::parent(key));
  if (parent == nullptr) return;
  auto it = parent->children.find(key);
  if (it == parent->children.end()) return;
  size_ -= count(*it->second);
  parent->children.erase(it);
}

void MemTree::clear() {
  root_.children.clear();
  size_ = 0;
}

size_t MemTree::count(const MemNode& n) {
  size_t total = 1;
  for (const auto& [key, child] : n.children) total += count(*child);
  return total;
}

}  // namespace larch::store
