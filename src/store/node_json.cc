#include "store/node_json.h"

#include "util/go_json.h"

namespace larch::store::node_json {

namespace {
constexpr int64_t kSecond = 1'000'000'000;
}

Fields node(std::string_view key, bool dir, std::string_view value,
            std::optional<int64_t> expiration, uint64_t modified, uint64_t created) {
  Fields f;
  f.key = key;
  f.dir = dir;
  if (!dir) f.value = value;
  f.expiration = expiration;
  f.modified = modified;
  f.created = created;
  return f;
}

Fields shallow(const NodeRow& n) {
  return node(n.key, n.dir, n.value, n.expiration, n.modified, n.created);
}

int64_t ttl_seconds(int64_t expiration_ns, int64_t now_ns) {
  int64_t diff = expiration_ns - now_ns;
  int64_t ttl = diff / kSecond;
  if (diff % kSecond > 0) ++ttl;
  return ttl;
}

void append_head(std::string& out, const Fields& f, int64_t now_ns) {
  bool root = f.key == "/";
  out += '{';
  if (!root) {
    out += "\"key\":";
    util::append_json_string(out, f.key);
  }
  if (f.value) {
    out += ",\"value\":";
    util::append_json_string(out, *f.value);
  }
  if (f.dir) out += root ? "\"dir\":true" : ",\"dir\":true";
  if (f.expiration) {
    out += ",\"expiration\":\"";
    out += util::format_rfc3339_nano(*f.expiration);
    out += '"';
    // etcd omits ttl when it is 0 (omitempty); Larch also omits the negative values a late
    // sweep could produce, which carry no information a client can use.
    int64_t ttl = ttl_seconds(*f.expiration, now_ns);
    if (ttl > 0) {
      out += ",\"ttl\":";
      util::append_int(out, ttl);
    }
  }
}

void append_tail(std::string& out, const Fields& f) {
  if (f.key != "/") {
    out += ",\"modifiedIndex\":";
    util::append_uint(out, f.modified);
    out += ",\"createdIndex\":";
    util::append_uint(out, f.created);
  }
  out += '}';
}

void append_node(std::string& out, const Fields& f, int64_t now_ns) {
  append_head(out, f, now_ns);
  append_tail(out, f);
}

std::string event(std::string_view action, const Fields& node, const Fields* prev, int64_t now_ns) {
  // One allocation for the usual event: the fixed text of a node is ~90 bytes (~170 with a
  // TTL), two nodes and the action ~200; values rarely need escapes.
  std::string out;
  out.reserve(256 + node.key.size() * 2 + (node.value ? node.value->size() : 0) +
              (prev && prev->value ? prev->value->size() : 0) + (prev ? 160 : 0));
  out += "{\"action\":";
  util::append_json_string(out, action);
  out += ",\"node\":";
  append_node(out, node, now_ns);
  if (prev) {
    out += ",\"prevNode\":";
    append_node(out, *prev, now_ns);
  }
  out += "}\n";
  return out;
}

}  // namespace larch::store::node_json
