#include "store/node_table.h"

#include <stdexcept>

#include "store/key_path.h"
#include "store/missing_key_cause.h"
#include "util/v2_error.h"

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
  return std::string("SELECT ") + kColumns + " FROM nodes " + std::string(where);
}

}  // namespace

NodeTable::NodeTable(SqliteDb& db, MemTree* mirror)
    : mirror_(mirror),
      find_(db.prepare("SELECT dir, value, expiration, created, modified FROM nodes "
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
      has_child_(db.prepare("SELECT 1 FROM nodes WHERE parent=?1 LIMIT 1")),
      children_(db.prepare(select_sql("WHERE parent=?1 ORDER BY key"))),
      range_(db.prepare(select_sql("WHERE key>=?1 AND key<?2 ORDER BY key"))),
      expired_(db.prepare("SELECT key FROM nodes WHERE expiration IS NOT NULL AND "
                          "expiration<=?1 ORDER BY expiration, key")),
      ttl_nodes_(db.prepare("SELECT key, expiration FROM nodes WHERE expiration IS NOT NULL "
                            "ORDER BY expiration, key")),
      next_expiration_(db.prepare("SELECT expiration FROM nodes WHERE expiration IS NOT NULL "
                                  "ORDER BY expiration LIMIT 1")) {}

bool NodeTable::find(std::string_view key, NodeRow& out) {
  if (key == key_path::kRoot) return false;
  if (mirror_ != nullptr) {
    const MemNode* n = mirror_->find(key);
    if (n == nullptr) return false;
    out.key.assign(key);
    out.dir = n->dir;
    out.value = n->value;
    out.expiration = n->expiration;
    out.created = n->created;
    out.modified = n->modified;
    return true;
  }
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
  if (mirror_ != nullptr) return mirror_->is_dir(key);
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

int NodeTable::ensure_parents(std::string_view key, uint64_t index, std::string& cause) {
  std::string_view parent = key_path::parent(key);
  if (parent == key_path::kRoot) return 0;
  std::optional<bool> dir = is_dir(parent);  // fast path: the parent usually exists
  if (dir) {
    if (*dir) return 0;
    cause.assign(parent);
    return util::ecode::kNotDir;
  }
  size_t pos = 0;
  bool creating = false;  // once one component is missing, all below it are too
  for (;;) {
    size_t next = parent.find('/', pos + 1);
    std::string_view prefix = parent.substr(0, next);
    if (!creating) {
      std::optional<bool> d = is_dir(prefix);
      if (d && !*d) {
        cause.assign(prefix);
        return util::ecode::kNotDir;
      }
      creating = !d;
    }
    if (creating) insert_dir(prefix, index);
    if (next == std::string_view::npos) return 0;
    pos = next;
  }
}

void NodeTable::insert_dir(std::string_view key, uint64_t index) {
  put(NodeRow{std::string(key), true, {}, std::nullopt, index, index});
}

void NodeTable::put(const NodeRow& n) {
  auto q = put_.use();
  q.bind_blob(1, n.key).bind_blob(2, key_path::parent(n.key)).bind_int(3, n.dir ? 1 : 0);
  q.bind_blob(4, n.value);
  bind_expiration(q, 5, n.expiration);
  q.bind_int(6, static_cast<int64_t>(n.created)).bind_int(7, static_cast<int64_t>(n.modified));
  q.run();
  if (mirror_ != nullptr) mirror_put(n);
}

void NodeTable::mirror_put(const NodeRow& n) {
  // The applier creates parents before children, so this cannot fail while the mirror and
  // the table agree; if they ever disagree, stop before serving a key space that is wrong.
  if (!mirror_->put(n)) throw std::logic_error("key-space mirror has no parent for " + n.key);
}

void NodeTable::set_value(std::string_view key, std::string_view value, uint64_t modified,
                          std::optional<int64_t> expiration) {
  auto q = set_value_.use();
  q.bind_blob(1, key).bind_blob(2, value).bind_int(3, static_cast<int64_t>(modified));
  bind_expiration(q, 4, expiration);
  q.run();
  if (mirror_ == nullptr) return;
  if (MemNode* n = mirror_->find(key); n != nullptr && key != key_path::kRoot) {
    n->value.assign(value);
    n->modified = modified;
    n->expiration = expiration;
  }
}

void NodeTable::set_expiration(std::string_view key, std::optional<int64_t> expiration) {
  auto q = set_expiration_.use();
  q.bind_blob(1, key);
  bind_expiration(q, 2, expiration);
  q.run();
  if (mirror_ == nullptr) return;
  if (MemNode* n = mirror_->find(key); n != nullptr && key != key_path::kRoot) {
    n->expiration = expiration;
  }
}

void NodeTable::remove(std::string_view key) {
  auto q = remove_.use();
  q.bind_blob(1, key).run();
  // Only files (or a directory together with its subtree) are removed, so dropping the
  // mirror's node with whatever is below it matches the table.
  if (mirror_ != nullptr) mirror_->remove(key);
}

void NodeTable::remove_subtree(std::string_view key) {
  remove(key);
  auto q = remove_range_.use();
  q.bind_blob(1, key_path::subtree_lo(key)).bind_blob(2, key_path::subtree_hi(key)).run();
}

bool NodeTable::has_children(std::string_view key) {
  if (mirror_ != nullptr) {
    const MemNode* n = mirror_->find(key);
    return n != nullptr && !n->children.empty();
  }
  auto q = has_child_.use();
  q.bind_blob(1, key);
  return q.step();
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

std::vector<std::string> NodeTable::expired(int64_t now_ns) {
  auto q = expired_.use();
  q.bind_int(1, now_ns);
  std::vector<std::string> keys;
  while (q.step()) keys.emplace_back(q.col_blob(0));
  return keys;
}

std::vector<std::pair<std::string, int64_t>> NodeTable::ttl_nodes() {
  auto q = ttl_nodes_.use();
  std::vector<std::pair<std::string, int64_t>> out;
  while (q.step()) out.emplace_back(std::string(q.col_blob(0)), q.col_int(1));
  return out;
}

std::optional<int64_t> NodeTable::next_expiration() {
  auto q = next_expiration_.use();
  if (!q.step()) return std::nullopt;
  return q.col_int(0);
}

}  // namespace larch::store
