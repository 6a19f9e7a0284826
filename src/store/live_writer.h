#pragma once
// The key space as the applier changes it: every write goes to the in-memory tree at once
// (what GETs see) and is recorded in the batch's PendingWrites for keys.db to follow (watch
// replay searches those until the file has them); every lookup reads memory. The caller holds
// LiveKeySpace's write lock. Not thread-safe.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/event.h"
#include "store/history_table.h"
#include "store/live_key_space.h"
#include "store/node_row.h"
#include "store/pending_writes.h"

namespace larch::store {

class LiveWriter {
 public:
  LiveWriter(LiveKeySpace& live, PendingWrites& pending) : live_(live), pending_(pending) {}

  // Copies the node at key into out; false if absent (always false for "/").
  bool find(std::string_view key, NodeRow& out) const;
  // etcd's internalGet: 0 with out = the node (a synthetic directory for "/"), or
  // 100 (cause = first missing path component) / 104 (cause = the file on the path).
  int resolve(std::string_view key, NodeRow& out, std::string& cause) const;
  // etcd's checkDir walk for a write to key: creates missing ancestor directories with
  // created = modified = index. 0, or 104 with cause = the file on the path.
  int ensure_parents(std::string_view key, uint64_t index, std::string& cause);
  bool has_children(std::string_view key) const;
  // Keys with expiration <= now_ns, ordered by (expiration, key).
  std::vector<std::string> expired(int64_t now_ns) const { return tree().expired(now_ns); }

  void put(const NodeRow& n);  // insert, or overwrite keeping the children
  void set_value(std::string_view key, std::string_view value, uint64_t modified,
                 std::optional<int64_t> expiration);
  void set_expiration(std::string_view key, std::optional<int64_t> expiration);
  void remove(std::string_view key);  // the node and everything below it
  // A consumed etcd index: its events table row.
  void append_history(HistoryKind kind, const Event& e);

 private:
  const MemTree& tree() const { return live_.tree(); }

  LiveKeySpace& live_;
  PendingWrites& pending_;
};

}  // namespace larch::store
