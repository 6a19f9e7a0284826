#pragma once
// Typed access to the nodes table (prepared statements, one connection). The root "/" is
// never stored: it is implicitly an existing directory. Used by the writer (KeyStore) and by
// readers (KeyReader, on a read-only connection). Not thread-safe.
//
// With a mirror (the writer's MemTree): every write goes to the table and the mirror alike,
// and find / resolve / ensure_parents / has_children read the mirror instead of SQLite.
// The caller holds whatever lock guards the mirror.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "store/mem_tree.h"
#include "store/node_json.h"
#include "store/node_row.h"
#include "store/sqlite_db.h"

namespace larch::store {

class NodeTable {
 public:
  explicit NodeTable(SqliteDb& db, MemTree* mirror = nullptr);

  // Reads the stored node at key into out; false if absent (always false for "/").
  bool find(std::string_view key, NodeRow& out);
  // etcd's internalGet: 0 with out = the node (a synthetic directory for "/"), or
  // 100 (cause = first missing path component) / 104 (cause = the file on the path).
  int resolve(std::string_view key, NodeRow& out, std::string& cause);
  // etcd's checkDir walk for a write to key: creates missing ancestor directories with
  // created = modified = index. 0, or 104 with cause = the file on the path.
  int ensure_parents(std::string_view key, uint64_t index, std::string& cause);

  void put(const NodeRow& n);  // insert or replace
  void set_value(std::string_view key, std::string_view value, uint64_t modified,
                 std::optional<int64_t> expiration);
  void set_expiration(std::string_view key, std::optional<int64_t> expiration);
  void remove(std::string_view key);          // one node
  void remove_subtree(std::string_view key);  // the node and everything below it
  bool has_children(std::string_view key);

  // Direct children of dir in key order (hidden ones included; the caller filters).
  void for_each_child(std::string_view dir, const std::function<void(const node_json::Fields&)>& f);
  // Every node strictly below dir, in key (byte) order.
  std::vector<NodeRow> subtree(std::string_view dir);

  // Keys with expiration <= now_ns, ordered by (expiration, key).
  std::vector<std::string> expired(int64_t now_ns);
  std::vector<std::pair<std::string, int64_t>> ttl_nodes();
  std::optional<int64_t> next_expiration();

 private:
  std::optional<bool> is_dir(std::string_view key);  // nullopt = absent
  void insert_dir(std::string_view key, uint64_t index);

  void mirror_put(const NodeRow& n);

  MemTree* mirror_;
  Statement find_, kind_, put_, set_value_, set_expiration_, remove_, remove_range_, has_child_,
      children_, range_, expired_, ttl_nodes_, next_expiration_;
};

}  // namespace larch::store
