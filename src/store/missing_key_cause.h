#pragma once
// etcd's internalGet walk for a key that was not found: names the first missing path
// component (error 100) or the file that blocks the path (error 104). Shared by the
// SQLite table (NodeTable) and the in-memory key space (LiveKeySpace).
#include <optional>
#include <string>
#include <string_view>

#include "util/v2_error.h"

namespace larch::store {

// key: a normalised key that is absent. is_dir(prefix) -> std::optional<bool>: nullopt when
// no node is at prefix, else whether it is a directory. Returns the error code and sets
// cause.
template <typename IsDir>
int missing_key_cause(std::string_view key, IsDir&& is_dir, std::string& cause) {
  size_t pos = 0;
  for (;;) {
    size_t next = key.find('/', pos + 1);
    std::string_view prefix = key.substr(0, next);
    std::optional<bool> dir = is_dir(prefix);
    // A present last component cannot happen (the key was not found); treat it as missing.
    if (!dir || next == std::string_view::npos) {
      cause.assign(prefix);
      return util::ecode::kKeyNotFound;
    }
    if (!*dir) {
      cause.assign(prefix);
      return util::ecode::kNotDir;
    }
    pos = next;
  }
}

}  // namespace larch::store
