#include "store/watch_hub.h"

#include "store/watch_match.h"

namespace larch::store {

WatchRegistration WatchHub::watch(const WatchSpec& spec, std::shared_ptr<WatchSink> sink,
                                  const HistoryFn& history) {
  std::lock_guard lock(mu_);
  WatchRegistration reg;
  reg.etcd_index = current_index_;
  uint64_t since = spec.since;
  if (since != 0 && since <= current_index_) {
    // Replay retained history; a stream keeps replaying until it reaches the present.
    while (since <= current_index_) {
      HistoryResult h = history(since, current_index_);
      if (h.kind == HistoryResult::Kind::kCleared) {
        reg.cleared = true;
        reg.oldest = h.oldest;
        return reg;
      }
      if (h.kind == HistoryResult::Kind::kNone) break;
      if (!sink->deliver(std::make_shared<const std::string>(std::move(h.json)))) {
        sink->close();  // a stream too far behind to replay: end it like a slow consumer
        return reg;
      }
      if (!spec.stream) return reg;
      since = h.index + 1;
    }
  }
  if (since <= current_index_) since = current_index_ + 1;
  uint64_t id = next_id_++;
  by_key_[spec.key].push_back(Watcher{id, spec.recursive, spec.stream, since, std::move(sink)});
  key_of_.emplace(id, spec.key);
  ++count_;
  reg.id = id;
  return reg;
}

void WatchHub::cancel(uint64_t id) {
  std::lock_guard lock(mu_);
  auto k = key_of_.find(id);
  if (k == key_of_.end()) return;
  auto it = by_key_.find(k->second);
  if (it != by_key_.end()) {
    for (size_t i = 0; i < it->second.size(); ++i) {
      if (it->second[i].id == id) {
        erase_at(it, i);
        return;
      }
    }
  }
  key_of_.erase(k);
}

void WatchHub::erase_at(std::map<std::string, List>::iterator it, size_t pos) {
  List& list = it->second;
  key_of_.erase(list[pos].id);
  if (pos + 1 != list.size()) list[pos] = std::move(list.back());
  list.pop_back();
  --count_;
  if (list.empty()) by_key_.erase(it);
}

void WatchHub::notify_list(const std::string& at, const Event& ev,
                           const std::shared_ptr<const std::string>& json, bool exact, bool below) {
  auto it = by_key_.find(at);
  if (it == by_key_.end()) return;
  List& list = it->second;
  for (size_t i = 0; i < list.size();) {
    Watcher& w = list[i];
    bool wanted = (exact || below || w.recursive) && ev.index >= w.since;
    if (!wanted) {
      ++i;
      continue;
    }
    bool ok = w.sink->deliver(json);
    if (ok && w.stream) {
      ++i;
      continue;
    }
    if (!ok) w.sink->close();
    bool last = list.size() == 1;
    erase_at(it, i);  // removes the map entry (and so `list`) with its last watcher
    if (last) return;
  }
}

void WatchHub::publish(uint64_t etcd_index, const std::vector<Event>& events) {
  std::lock_guard lock(mu_);
  current_index_ = etcd_index;
  if (by_key_.empty()) return;
  for (const Event& ev : events) {
    auto json = std::make_shared<const std::string>(ev.json);
    // The key itself and every ancestor (recursive watchers, hidden segments excluded).
    for_each_ancestor_or_self(ev.key, [&](const std::string& at) {
      bool exact = at == ev.key;
      if (!exact && has_hidden_below(at, ev.key)) return;
      notify_list(at, ev, json, exact, false);
    });
    if (!ev.removal || !ev.dir) continue;  // only a removed directory has watchers below it
    // Removal of a directory reaches every watcher below it (§5.2 rule 3).
    std::string prefix = ev.key == "/" ? "/" : ev.key + "/";
    std::vector<std::string> below;
    for (auto it = by_key_.lower_bound(prefix);
         it != by_key_.end() && it->first.compare(0, prefix.size(), prefix) == 0; ++it) {
      below.push_back(it->first);
    }
    for (const std::string& at : below) notify_list(at, ev, json, false, true);
  }
}

void WatchHub::close_all() {
  std::lock_guard lock(mu_);
  for (auto& [key, list] : by_key_) {
    for (auto& w : list) w.sink->close();
  }
  by_key_.clear();
  key_of_.clear();
  count_ = 0;
}

size_t WatchHub::count() const {
  std::lock_guard lock(mu_);
  return count_;
}

uint64_t WatchHub::current_index() const {
  std::lock_guard lock(mu_);
  return current_index_;
}

}  // namespace larch::store
