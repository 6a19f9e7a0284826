#include "store/history_table.h"

#include <algorithm>
#include <limits>

#include "store/watch_match.h"

namespace larch::store {

HistoryTable::HistoryTable(SqliteDb& db)
    : insert_(db.prepare("INSERT INTO events(idx, kind, dir, removal, key, json) "
                         "VALUES(?1, ?2, ?3, ?4, ?5, ?6)")),
      trim_(db.prepare("DELETE FROM events WHERE idx<?1")),
      oldest_(db.prepare("SELECT idx FROM events ORDER BY idx LIMIT 1")),
      // json last: SQLite only reads it (maybe from overflow pages) for the matching row.
      scan_(db.prepare("SELECT idx, dir, removal, key, json FROM events "
                       "WHERE idx>=?1 AND idx<=?2 AND kind=0 ORDER BY idx")) {}

void HistoryTable::append(HistoryKind kind, uint64_t index, std::string_view key, bool dir,
                          bool removal, std::string_view json) {
  auto q = insert_.use();
  q.bind_int(1, static_cast<int64_t>(index)).bind_int(2, static_cast<int>(kind));
  q.bind_int(3, dir ? 1 : 0).bind_int(4, removal ? 1 : 0);
  q.bind_blob(5, key).bind_blob(6, json).run();
}

void HistoryTable::trim_before(uint64_t first_kept) {
  auto q = trim_.use();
  q.bind_int(1, static_cast<int64_t>(first_kept)).run();
}

std::optional<uint64_t> HistoryTable::oldest() {
  auto q = oldest_.use();
  if (!q.step()) return std::nullopt;
  return static_cast<uint64_t>(q.col_int(0));
}

HistoryResult HistoryTable::find(std::string_view key, bool recursive, uint64_t from, uint64_t to) {
  HistoryResult r;
  std::optional<uint64_t> first = oldest();
  if (first && from < *first) {
    r.kind = HistoryResult::Kind::kCleared;
    r.oldest = *first;
    return r;
  }
  if (from > to) return r;
  auto q = scan_.use();
  constexpr uint64_t kMax = std::numeric_limits<int64_t>::max();
  q.bind_int(1, static_cast<int64_t>(std::min(from, kMax)));
  q.bind_int(2, static_cast<int64_t>(std::min(to, kMax)));
  while (q.step()) {
    if (!watch_matches(key, recursive, q.col_blob(3), q.col_int(1) != 0, q.col_int(2) != 0)) {
      continue;
    }
    r.kind = HistoryResult::Kind::kFound;
    r.index = static_cast<uint64_t>(q.col_int(0));
    r.json.assign(q.col_blob(4));
    return r;
  }
  return r;
}

}  // namespace larch::store
