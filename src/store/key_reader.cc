#include "store/key_reader.h"

#include <string_view>
#include <unordered_map>
#include <vector>

#include "store/history_table.h"
#include "store/key_path.h"
#include "store/node_json.h"
#include "store/node_table.h"
#include "store/schema.h"
#include "store/sqlite_db.h"
#include "util/v2_error.h"

namespace larch::store {
namespace {

// Recursive listing: rows of a subtree in key order, grouped by parent so each level is
// rendered in byte order (full-path order differs: "/a/b-x" < "/a/b/c").
class TreeRenderer {
 public:
  TreeRenderer(const std::vector<NodeRow>& rows, int64_t now_ns) : rows_(rows), now_(now_ns) {
    for (size_t i = 0; i < rows.size(); ++i) {
      children_[key_path::parent(rows[i].key)].push_back(i);
    }
  }

  // Appends `,"nodes":[...]` for dir's visible children, recursively.
  void append_children(std::string& out, std::string_view dir) const {
    auto it = children_.find(dir);
    if (it == children_.end()) return;
    bool first = true;
    for (size_t i : it->second) {
      const NodeRow& c = rows_[i];
      if (key_path::is_hidden(c.key)) continue;  // hidden at every depth
      out += first ? ",\"nodes\":[" : ",";
      first = false;
      node_json::Fields f = node_json::shallow(c);
      node_json::append_head(out, f, now_);
      if (c.dir) append_children(out, c.key);
      node_json::append_tail(out, f);
    }
    if (!first) out += ']';
  }

 private:
  const std::vector<NodeRow>& rows_;
  int64_t now_;
  std::unordered_map<std::string_view, std::vector<size_t>> children_;
};

}  // namespace

struct KeyReader::Impl {
  explicit Impl(const std::string& path) : db(path, SqliteDb::Mode::kReadOnly) {
    ensure_format(db, kKeySpaceFormat, false);
    nodes.emplace(db);
    history.emplace(db);
    begin = db.prepare("BEGIN");
    commit = db.prepare("COMMIT");
    etcd_index_stmt = db.prepare("SELECT value FROM meta WHERE name='etcd_index'");
  }

  // Every query runs inside the current read snapshot (one read transaction), so what one
  // call sees is one committed batch. The snapshot stays open across calls until
  // end_snapshot(): re-reading an unchanged store costs no BEGIN/COMMIT (no lock syscalls).
  void ensure_snapshot() {
    if (in_snapshot) return;
    begin.use().run();
    in_snapshot = true;
  }
  void end_snapshot() {
    if (!in_snapshot) return;
    in_snapshot = false;
    try {
      commit.use().run();
    } catch (...) {  // a read-only transaction has nothing to lose
    }
  }

  uint64_t read_etcd_index() {
    auto q = etcd_index_stmt.use();
    return q.step() ? static_cast<uint64_t>(q.col_int(0)) : 0;
  }

  void append_listing(std::string& out, const std::string& dir, bool recursive, int64_t now) {
    if (recursive) {
      std::vector<NodeRow> rows = nodes->subtree(dir);
      TreeRenderer(rows, now).append_children(out, dir);
      return;
    }
    bool first = true;
    nodes->for_each_child(dir, [&](const node_json::Fields& c) {
      if (key_path::is_hidden(c.key)) return;
      out += first ? ",\"nodes\":[" : ",";
      first = false;
      node_json::append_node(out, c, now);
    });
    if (!first) out += ']';
  }

  SqliteDb db;
  std::optional<NodeTable> nodes;
  std::optional<HistoryTable> history;
  Statement begin, commit, etcd_index_stmt;
  bool in_snapshot = false;
  NodeRow node;  // scratch
  std::string cause;
};

std::unique_ptr<KeyReader> KeyReader::open(const std::string& path) {
  return std::unique_ptr<KeyReader>(new KeyReader(std::make_unique<Impl>(path)));
}

KeyReader::KeyReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
KeyReader::~KeyReader() {
  if (impl_) impl_->end_snapshot();
}

GetResult KeyReader::get(const std::string& key, bool recursive, bool sorted, int64_t now_ns) {
  (void)sorted;  // listings are always in byte order, which satisfies both modes
  Impl& im = *impl_;
  im.ensure_snapshot();
  GetResult r;
  r.etcd_index = im.read_etcd_index();
  std::string_view k = key.empty() ? key_path::kRoot : std::string_view(key);
  int rc = im.nodes->resolve(k, im.node, im.cause);
  if (rc != 0) {
    r.error_code = rc;
    r.http_status = util::v2_error_status(rc);
    r.body = util::v2_error_body(rc, im.cause, r.etcd_index);
    return r;
  }
  r.body = "{\"action\":\"get\",\"node\":";
  node_json::Fields f = node_json::shallow(im.node);
  node_json::append_head(r.body, f, now_ns);
  if (im.node.dir) im.append_listing(r.body, im.node.key, recursive, now_ns);
  node_json::append_tail(r.body, f);
  r.body += "}\n";
  return r;
}

HistoryResult KeyReader::find_event(const std::string& key, bool recursive, uint64_t from,
                                    uint64_t to) {
  impl_->ensure_snapshot();
  return impl_->history->find(key.empty() ? std::string(key_path::kRoot) : key, recursive, from,
                              to);
}

uint64_t KeyReader::etcd_index() {
  impl_->ensure_snapshot();
  return impl_->read_etcd_index();
}

void KeyReader::end_snapshot() {
  impl_->end_snapshot();
}

}  // namespace larch::store
