#pragma once
// The key space's nodes in memory: a tree of directories whose children are ordered by full
// key (byte order = etcd's listing order), plus an index of the nodes that expire. It is the
// key space the applier works on (through LiveWriter) and GETs read; keys.db's nodes table
// follows it behind (KeyStore::flush). The root "/" always exists and is never stored.
// Not thread-safe: LiveKeySpace guards it.
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

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
  // nullopt when no node is at key, else whether it is a directory.
  std::optional<bool> is_dir(std::string_view key) const;

  // Inserts the node at n.key, or overwrites an existing one's fields (its children stay,
  // as the nodes table's upsert keeps the rows below it). False, and nothing changes, when
  // the parent is missing or is a file, or n.key is the root.
  bool put(const NodeRow& n);
  // Changes an existing node's value, modified index and expiration / its expiration only;
  // no-op if absent or the root.
  void set_value(std::string_view key, std::string_view value, uint64_t modified,
                 std::optional<int64_t> expiration);
  void set_expiration(std::string_view key, std::optional<int64_t> expiration);
  // Removes the node at key and everything below it; no-op if absent or the root.
  void remove(std::string_view key);
  // Every node but the root.
  void clear();
  size_t size() const { return size_; }

  // Nodes with an expiration, ordered by (expiration, key): those due at now_ns (expiration
  // <= now_ns), all of them, and the earliest expiration.
  std::vector<std::string> expired(int64_t now_ns) const;
  std::vector<std::pair<std::string, int64_t>> ttl_nodes() const;
  std::optional<int64_t> next_expiration() const;

 private:
  MemNode* find_mutable(std::string_view key);
  void change_expiration(std::string_view key, MemNode& n, std::optional<int64_t> expiration);
  // Drops n (at key) and everything below it from size_ and the expiration index.
  void forget(const std::string& key, const MemNode& n);

  MemNode root_;
  size_t size_ = 0;                                     // stored nodes (the root not counted)
  std::set<std::pair<int64_t, std::string>> expiring_;  // (expiration, key) of every node with one
};

}  // namespace larch::store
