#pragma once
// The single definition of "does this event reach this watcher" (spec §5.2), shared by
// history replay (KeyReader::find_event) and usable by a live watch hub, so both agree.
#include <functional>
#include <string>
#include <string_view>

#include "store/event.h"

namespace larch::store {

// True when an event on event_key reaches a watcher on watch_key:
//  1. event_key == watch_key (hidden or not);
//  2. recursive and event_key is below watch_key (by path component) with no '_'-prefixed
//     segment below watch_key;
//  3. the event removes (delete/compareAndDelete/expire) a directory that is an ancestor
//     (by path component) of watch_key.
// Refresh and internal history entries are never events and must not be passed here.
bool watch_matches(std::string_view watch_key, bool recursive, std::string_view event_key,
                   bool event_dir, bool removal);
inline bool watch_matches(std::string_view watch_key, bool recursive, const Event& e) {
  return watch_matches(watch_key, recursive, e.key, e.dir, e.removal);
}

// Live-hub helpers (same rules as watch_matches):
// True when event_key has a '_'-prefixed segment below watch_key (a recursive watcher on
// watch_key must not see it). event_key must be watch_key or below it.
bool has_hidden_below(std::string_view watch_key, std::string_view event_key);
// Calls f("/"), f("/a"), f("/a/b") for key "/a/b": the root, every ancestor, then key.
void for_each_ancestor_or_self(std::string_view key,
                               const std::function<void(const std::string&)>& f);

}  // namespace larch::store
