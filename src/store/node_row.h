#pragma once
// One stored node (file or directory) as read from / written to the nodes table.
#include <cstdint>
#include <optional>
#include <string>

namespace larch::store {

struct NodeRow {
  std::string key;
  bool dir = false;
  std::string value;                  // "" for directories
  std::optional<int64_t> expiration;  // absolute Unix ns; nullopt = permanent
  uint64_t created = 0;
  uint64_t modified = 0;
};

}  // namespace larch::store
