#pragma once
// The event history (etcd's EventHistory) in the events table: one row per consumed etcd
// index — watchable events, refreshes and internal entries alike — so replay sees the same
// index slots etcd keeps. Writer appends/trims; readers search. Not thread-safe.
#include <cstdint>
#include <optional>
#include <string_view>

#include "store/event.h"
#include "store/key_reader.h"
#include "store/sqlite_db.h"

namespace larch::store {

enum class HistoryKind : int {
  kEvent = 0,     // delivered to watchers
  kRefresh = 1,   // refresh write: occupies a slot, never delivered
  kInternal = 2,  // internal bookkeeping: occupies a slot, never delivered, no JSON
};

class HistoryTable {
 public:
  explicit HistoryTable(SqliteDb& db);

  // One consumed etcd index (fields as in Event; json "" for kInternal).
  void append(HistoryKind kind, uint64_t index, std::string_view key, bool dir, bool removal,
              std::string_view json);
  // Drops entries with index < first_kept.
  void trim_before(uint64_t first_kept);
  // Oldest retained index, if any entry is kept.
  std::optional<uint64_t> oldest();
  // First kEvent entry in [from, to] matching the watch (watch_matches); kCleared when
  // from < oldest retained index. Call inside a read transaction for a consistent view.
  HistoryResult find(std::string_view key, bool recursive, uint64_t from, uint64_t to);

 private:
  Statement insert_, trim_, oldest_, scan_;
};

}  // namespace larch::store
