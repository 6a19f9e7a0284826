#include "store/live_key_space.h"

#include <string>

#include "store/key_path.h"
#include "store/missing_key_cause.h"
#include "store/node_json.h"
#include "util/v2_error.h"

namespace larch::store {
namespace {

node_json::Fields fields(std::string_view key, const MemNode& n) {
  return node_json::node(key, n.dir, n.value, n.expiration, n.modified, n.created);
}

// Appends `,"nodes":[...]` for dir's visible children (hidden ones omitted at every depth);
// nested listings when recursive.
void append_children(std::string& out, const MemNode& dir, bool recursive, int64_t now_ns) {
  bool first = true;
  for (const auto& [key, child] : dir.children) {
    if (key_path::is_hidden(key)) continue;
    out += first ? ",\"nodes\":[" : ",";
    first = false;
    node_json::Fields f = fields(key, *child);
    if (!recursive || !child->dir) {
      node_json::append_node(out, f, now_ns);
      continue;
    }
    node_json::append_head(out, f, now_ns);
    append_children(out, *child, true, now_ns);
    node_json::append_tail(out, f);
  }
  if (!first) out += ']';
}

}  // namespace

GetResult LiveKeySpace::get(std::string_view key, bool recursive, int64_t now_ns) const {
  std::string_view k = key.empty() ? key_path::kRoot : key;
  std::shared_lock lock(mu_);
  GetResult r;
  r.etcd_index = etcd_index_;
  const MemNode* n = tree_.find(k);
  if (n == nullptr) {
    std::string cause;
    auto is_dir = [this](std::string_view prefix) { return tree_.is_dir(prefix); };
    r.error_code = missing_key_cause(k, is_dir, cause);
    lock.unlock();
    r.http_status = util::v2_error_status(r.error_code);
    r.body = util::v2_error_body(r.error_code, cause, r.etcd_index);
    return r;
  }
  // Room for a key's whole answer (a directory's grows as it must).
  r.body.reserve(160 + 2 * k.size() + n->value.size());
  r.body = "{\"action\":\"get\",\"node\":";
  node_json::Fields f = fields(k, *n);
  node_json::append_head(r.body, f, now_ns);
  if (n->dir) append_children(r.body, *n, recursive, now_ns);
  node_json::append_tail(r.body, f);
  r.body += "}\n";
  return r;
}

uint64_t LiveKeySpace::etcd_index() const {
  std::shared_lock lock(mu_);
  return etcd_index_;
}

}  // namespace larch::store
