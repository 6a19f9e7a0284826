#pragma once
// The key space's nodes in memory: a tree of directories whose children are ordered by full
// key (byte order = etcd's listing order), mirroring the nodes table of keys.db. NodeTable
// keeps it in step with every write it makes, so reads (GET) and the applier's lookups never
// touch SQLite. The root "/" always exists and is never stored in the table.
// Not thread-safe: LiveKeySpace guards it.
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "store/node_row.h"

namespace larch::store {

struct MemNode {
  bool dir = false;
  std::string value;  // "" for directories
  std::optional<int64_t> expiration;
  uint64_t created = 0;
  uint64_t modified = 0;
  // Children by full key ("/a/b" under "/a"): one parent's children share the prefix, so
  // full-key order is name order.
  std::map<std::string, std::unique_ptr<MemNode>, std::less<>> children;
};

class MemTree {
 public:
  MemTree();

  const MemNode& root() const { return root_; }
  // The node at a normalised key ("/" = the root), or nullptr.
  const MemNode* find(std::string_view key) const;
  MemNode* find(std::string_view key);
  // nullopt when no node is at key, else whether it is a directory.
  std::optional<bool> is_dir(std::string_view key) const;

  // Inserts the node at n.key, or overwrites an existing one's fields (its children stay,
  // as the nodes table's upsert keeps the rows below it). False, and nothing changes, when
  // the parent is missing or is a file, or n.key is the root.
  bool put(const NodeRow& n);
  // Removes the node at key and everything below it; no-op if absent or the root.
  void remove(std::string_view key);
  // Every node but the root.
  void clear();
  size_t size() const { return size_; }

 private:
  static size_t count(const MemNode& n);

  MemNode root_;
  size_t size_ = 0;  // stored nodes (the root not counted)
};

}  // namespace larch::store
