#include "store/watch_match.h"

#include "store/key_path.h"

namespace larch::store {

bool watch_matches(std::string_view watch_key, bool recursive, std::string_view event_key,
                   bool event_dir, bool removal) {
  if (event_key == watch_key) return true;
  if (recursive && key_path::is_under(event_key, watch_key) &&
      !key_path::has_hidden_below(event_key, watch_key)) {
    return true;
  }
  return removal && event_dir && key_path::is_under(watch_key, event_key);
}

bool has_hidden_below(std::string_view watch_key, std::string_view event_key) {
  return key_path::has_hidden_below(event_key, watch_key);
}

void for_each_ancestor_or_self(std::string_view key,
                               const std::function<void(const std::string&)>& f) {
  std::string at(key_path::kRoot);
  f(at);
  if (key == key_path::kRoot || key.empty()) return;
  size_t pos = 0;
  while (pos != std::string_view::npos) {
    size_t next = key.find('/', pos + 1);
    at.assign(key.substr(0, next));
    f(at);
    pos = next;
  }
}

}  // namespace larch::store
