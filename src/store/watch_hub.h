#pragma once
// In-memory registry of live watchers (§5). Thread-safe: watch()/cancel() run on I/O threads,
// publish() on the raft thread after each applied batch is committed.
//
// Gap-free handover between history and live delivery: the hub tracks the etcd index of the
// last published batch (current_index). watch() looks up history for [since, current_index]
// and registers for later events under the same lock, and publish() advances current_index
// under that lock, so every event is seen exactly once by a watcher.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "store/event.h"
#include "store/key_reader.h"

namespace larch::store {

// Receives a watcher's events. deliver() must not block and must not call back into the hub;
// it returns false when the sink cannot buffer more (the hub then drops the watcher and calls
// close()). Called with the hub's lock held.
class WatchSink {
 public:
  virtual ~WatchSink() = default;
  virtual bool deliver(std::shared_ptr<const std::string> json) = 0;
  virtual void close() = 0;
};

struct WatchSpec {
  std::string key;  // normalised key
  bool recursive = false;
  bool stream = false;
  uint64_t since = 0;  // waitIndex; 0 = next event
};

struct WatchRegistration {
  uint64_t id = 0;          // 0 = not registered (answered from history or cleared)
  uint64_t etcd_index = 0;  // index at registration (the watch's X-Etcd-Index)
  bool cleared = false;     // since is older than the retained history
  uint64_t oldest = 0;      // when cleared: the oldest retained index
};

class WatchHub {
 public:
  // (from, to) -> first matching retained event in that window.
  using HistoryFn = std::function<HistoryResult(uint64_t from, uint64_t to)>;

  explicit WatchHub(uint64_t current_index) : current_index_(current_index) {}

  // Registers a watcher, first answering from history when spec.since <= current index.
  // A non-stream watcher answered from history is not registered (id 0).
  WatchRegistration watch(const WatchSpec& spec, std::shared_ptr<WatchSink> sink,
                          const HistoryFn& history);
  // Removes a watcher (client went away). Unknown ids are ignored.
  void cancel(uint64_t id);
  // Delivers the events of one committed batch; etcd_index = index after the batch.
  void publish(uint64_t etcd_index, const std::vector<Event>& events);
  // Drops every watcher, closing its sink (server shutdown).
  void close_all();

  size_t count() const;
  uint64_t current_index() const;

 private:
  struct Watcher {
    uint64_t id;
    bool recursive;
    bool stream;
    uint64_t since;
    std::shared_ptr<WatchSink> sink;
  };
  using List = std::vector<Watcher>;

  void notify_list(const std::string& at, const Event& ev,
                   const std::shared_ptr<const std::string>& json, bool exact, bool below);
  void erase_at(std::map<std::string, List>::iterator it, size_t pos);

  mutable std::mutex mu_;
  uint64_t current_index_;
  uint64_t next_id_ = 1;
  size_t count_ = 0;
  std::map<std::string, List> by_key_;
  std::unordered_map<uint64_t, std::string> key_of_;
};

}  // namespace larch::store
