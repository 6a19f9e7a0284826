#pragma once
// A single-member configuration change (Raft thesis §4.1: one server at a time, so every
// majority of the old configuration overlaps every majority of the new one). It travels as
// the data of an EntryType::kConfChange entry and takes effect on each member when that
// entry is applied (RaftCore::apply_conf_change), as in etcd.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "consensus/types.h"

namespace larch::consensus {

enum class ConfChangeType : uint8_t {
  kAddNode = 1,     // `node` becomes a voter
  kRemoveNode = 2,  // `node` stops being a voter
  kUpdateNode = 3,  // voters unchanged; only `context` (e.g. the member's peer URLs) changes
};

struct ConfChange {
  ConfChangeType type = ConfChangeType::kAddNode;
  NodeId node = kNoNode;
  std::string context;  // opaque to the core: the driver's member record
  bool operator==(const ConfChange&) const = default;
};

// Version byte (1), type byte, 8-byte big-endian node id, then the context bytes.
std::string encode_conf_change(const ConfChange& cc);
// nullopt on a bad version, unknown type, node 0 or truncation.
std::optional<ConfChange> decode_conf_change(std::string_view bytes);

}  // namespace larch::consensus
