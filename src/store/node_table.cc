#include "store/node_table.h"

#include "store/key_path.h"
#include "store/missing_key_cause.h"

namespace larch::store {
namespace {

constexpr char kColumns[] = "key, dir, value, expiration, created, modified";

void read_row(Statement::Use& q, NodeRow& out) {
  out.key.assign(q.col_blob(0));
  out.dir = q.col_int(1) != 0;
  out.value.assign(q.col_blob(2));
  out.expiration = q.col_null(3) ? std::nullopt : std::optional<int64_t>(q.col_int(3));
  out.created = static_cast<uint64_t>(q.col_int(4));
  out.modified = static_cast<uint64_t>(q.col_int(5));
}

void bind_expiration(Statement::Use& q, int i, std::optional<int64_t> expiration) {
  if (expiration) {
    q.bind_int(i, *expiration);
  } else {
    q.bind_null(i);
  }
}

std::string select_sql(std::string_view where) {
  // Appended, not `std::string(..) + ..`: GCC misreports that form's inlined copies as
  // out-of-bounds writes once libstdc++ comes from a precompiled header (CMakeLists.txt).
  std::string sql = "SELECT ";
  sql += kColumns;
  sql += " FROM nodes ";
  sql += where;
  return sql;
}

}  // namespace

NodeTable::NodeTable(SqliteDb& db)
    : find_(db.prepare("SELECT dir, value, expiration, created, modified FROM nodes "
                       "WHERE key=?1")),
      kind_(db.prepare("SELECT dir FROM nodes WHERE key=?1")),
      // An upsert rewrites an existing row in place; INSERT OR REPLACE would delete and
      // re-insert it, touching the parent index (whose entry never changes for a key) too.
      put_(db.prepare("INSERT INTO nodes(key, parent, dir, value, expiration, created, "
                      "modified) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT(key) DO UPDATE "
                      "SET dir=excluded.dir, value=excluded.value, "
                      "expiration=excluded.expiration, created=excluded.created, "
                      "modified=excluded.modified")),
      set_value_(db.prepare("UPDATE nodes SET value=?2, modified=?3, expiration=?4 "
                            "WHERE key=?1")),
      set_expiration_(db.prepare("UPDATE nodes SET expiration=?2 WHERE key=?1")),
      remove_(db.prepare("DELETE FROM nodes WHERE key=?1")),
      remove_range_(db.prepare("DELETE FROM nodes WHERE key>=?1 AND key<?2")),
      children_(db.prepare(select_sql("WHERE parent=?1 ORDER BY key"))),
      range_(db.prepare(select_sql("WHERE key>=?1 AND key<?2 ORDER BY key"))) {}

bool NodeTable::find(std::string_view key, NodeRow& out) {
  if (key == key_path::kRoot) return false;
  auto q = find_.use();
  q.bind_blob(1, key);
  if (!q.step()) return false;
  out.key.assign(key);
  out.dir = q.col_int(0) != 0;
  out.value.assign(q.col_blob(1));
  out.expiration = q.col_null(2) ? std::nullopt : std::optional<int64_t>(q.col_int(2));
  out.created = static_cast<uint64_t>(q.col_int(3));
  out.modified = static_cast<uint64_t>(q.col_int(4));
  return true;
}

std::optional<bool> NodeTable::is_dir(std::string_view key) {
  auto q = kind_.use();
  q.bind_blob(1, key);
  if (!q.step()) return std::nullopt;
  return q.col_int(0) != 0;
}

int NodeTable::resolve(std::string_view key, NodeRow& out, std::string& cause) {
  if (key == key_path::kRoot) {
    out = NodeRow{std::string(key_path::kRoot), true, {}, std::nullopt, 0, 0};
    return 0;
  }
  if (find(key, out)) return 0;
  // Slow path (misses only).
  return missing_key_cause(
      key, [this](std::string_view prefix) { return is_dir(prefix); }, cause);
}

void NodeTable::put(std::string_view key, bool dir, std::string_view value,
                    std::optional<int64_t> expiration, uint64_t created, uint64_t modified) {
  auto q = put_.use();
  q.bind_blob(1, key).bind_blob(2, key_path::parent(key)).bind_int(3, dir ? 1 : 0);
  q.bind_blob(4, value);
  bind_expiration(q, 5, expiration);
  q.bind_int(6, static_cast<int64_t>(created)).bind_int(7, static_cast<int64_t>(modified));
  q.run();
}

void NodeTable::set_value(std::string_view key, std::string_view value, uint64_t modified,
                          std::optional<int64_t> expiration) {
  auto q = set_value_.use();
  q.bind_blob(1, key).bind_blob(2, value).bind_int(3, static_cast<int64_t>(modified));
  bind_expiration(q, 4, expiration);
  q.run();
}

void NodeTable::set_expiration(std::string_view key, std::optional<int64_t> expiration) {
  auto q = set_expiration_.use();
  q.bind_blob(1, key);
  bind_expiration(q, 2, expiration);
  q.run();
}

void NodeTable::remove(std::string_view key) {
  auto q = remove_.use();
  q.bind_blob(1, key).run();
}

void NodeTable::remove_subtree(std::string_view key) {
  remove(key);
  auto q = remove_range_.use();
  q.bind_blob(1, key_path::subtree_lo(key)).bind_blob(2, key_path::subtree_hi(key)).run();
}

void NodeTable::for_each_child(std::string_view dir,
                               const std::function<void(const node_json::Fields&)>& f) {
  auto q = children_.use();
  q.bind_blob(1, dir);
  while (q.step()) {
    node_json::Fields c;
    c.key = q.col_blob(0);
    c.dir = q.col_int(1) != 0;
    if (!c.dir) c.value = q.col_blob(2);
    if (!q.col_null(3)) c.expiration = q.col_int(3);
    c.created = static_cast<uint64_t>(q.col_int(4));
    c.modified = static_cast<uint64_t>(q.col_int(5));
    f(c);
  }
}

std::vector<NodeRow> NodeTable::subtree(std::string_view dir) {
  // Root: every stored key starts with '/', and "0" is the next byte after '/'.
  std::string lo = dir == key_path::kRoot ? std::string("/") : key_path::subtree_lo(dir);
  std::string hi = dir == key_path::kRoot ? std::string("0") : key_path::subtree_hi(dir);
  auto q = range_.use();
  q.bind_blob(1, lo).bind_blob(2, hi);
  std::vector<NodeRow> rows;
  while (q.step()) read_row(q, rows.emplace_back());
  return rows;
}

}  // namespace larch::store
