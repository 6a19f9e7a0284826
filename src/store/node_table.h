#pragma once
// Typed access to the nodes table (prepared statements, one connection). The root "/" is
// never stored: it is implicitly an existing directory. Used by the keys.db writer (KeyStore
// replaying PendingWrites, loading the tree) and by readers (KeyReader, on a read-only
// connection). Not thread-safe.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "store/node_json.h"
#include "store/node_row.h"
#include "store/sqlite_db.h"

namespace larch::store {

class NodeTable {
 public:
  explicit NodeTable(SqliteDb& db);

  // Reads the stored node at key into out; false if absent (always false for "/").
  bool find(std::string_view key, NodeRow& out);
  // etcd's internalGet: 0 with out = the node (a synthetic directory for "/"), or
  // 100 (cause = first missing path component) / 104 (cause = the file on the path).
  int resolve(std::string_view key, NodeRow& out, std::string& cause);

  // Insert, or overwrite an existing row's fields.
  void put(std::string_view key, bool dir, std::string_view value,
           std::optional<int64_t> expiration, uint64_t created, uint64_t modified);
  void set_value(std::string_view key, std::string_view value, uint64_t modified,
                 std::optional<int64_t> expiration);
  void set_expiration(std::string_view key, std::optional<int64_t> expiration);
  void remove(std::string_view key);          // one node
  void remove_subtree(std::string_view key);  // the node and everything below it

  // Direct children of dir in key order (hidden ones included; the caller filters).
  void for_each_child(std::string_view dir, const std::function<void(const node_json::Fields&)>& f);
  // Every node strictly below dir, in key (byte) order.
  std::vector<NodeRow> subtree(std::string_view dir);

 private:
  std::optional<bool> is_dir(std::string_view key);  // nullopt = absent

  Statement find_, kind_, put_, set_value_, set_expiration_, remove_, remove_range_, children_,
      range_;
};

}  // namespace larch::store
