#pragma once
// etcd v2 node / event JSON, byte-compatible with etcd (Go escaping, field order
// key,value,dir,expiration,ttl,nodes,modifiedIndex,createdIndex; event action,node,prevNode).
// Pure functions; any thread.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "store/node_row.h"

namespace larch::store::node_json {

// What one node object shows. value: nullopt = no "value" field (directories, and the node
// of delete/compareAndDelete/expire events). key "/" = the root (no key, no indexes).
struct Fields {
  std::string_view key;
  bool dir = false;
  std::optional<std::string_view> value;
  std::optional<int64_t> expiration;
  uint64_t modified = 0;
  uint64_t created = 0;
};

// A node's fields; value is shown for files only.
Fields node(std::string_view key, bool dir, std::string_view value,
            std::optional<int64_t> expiration, uint64_t modified, uint64_t created);
// Fields of a stored node as a shallow node (prevNode style: value for files).
Fields shallow(const NodeRow& n);

// ceil((expiration - now) / 1s), as etcd computes it (Go truncation, +1 on a positive rest).
int64_t ttl_seconds(int64_t expiration_ns, int64_t now_ns);

// `{"key":..,"value":..,"dir":true,"expiration":..,"ttl":..` — the part before "nodes".
void append_head(std::string& out, const Fields& f, int64_t now_ns);
// `,"modifiedIndex":..,"createdIndex":..}` (root: `}`).
void append_tail(std::string& out, const Fields& f);
// A whole node without "nodes".
void append_node(std::string& out, const Fields& f, int64_t now_ns);

// `{"action":<action>,"node":<node>[,"prevNode":<prev>]}\n`
std::string event(std::string_view action, const Fields& node, const Fields* prev, int64_t now_ns);

}  // namespace larch::store::node_json
