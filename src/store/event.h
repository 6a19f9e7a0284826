#pragma once
// One watchable change to the key space, as produced by KeyStore::apply.
#include <cstdint>
#include <string>

namespace larch::store {

struct Event {
  uint64_t index = 0;    // etcd index of the change (= node.modifiedIndex in the JSON)
  std::string key;       // node key, e.g. "/a/b"
  bool dir = false;      // the node is a directory
  bool removal = false;  // delete / compareAndDelete / expire: also matches watchers below key
  std::string json;      // the event JSON exactly as a watcher receives it, ending in '\n'
};

}  // namespace larch::store
