#pragma once
// Requests waiting for the raft thread: writes (by request id, completed when their entry is
// applied) with a deadline each, so every caller gets exactly one answer. Thread-safe: the
// raft thread adds and expires, the apply thread takes. Completions run outside the lock.
#include <cstdint>
#include <functional>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "http/kv_service.h"

namespace larch::server {

class PendingTable {
 public:
  using Done = std::function<void(http::WriteReply)>;

  void add(uint64_t request_id, Done done, int64_t deadline_ns);
  // Removes and returns the completion for request_id, if this member is waiting for it.
  Done take(uint64_t request_id);
  // Completes every request whose deadline passed with error 300 "request timed out".
  void expire(int64_t now_ns);
  // Completes everything with error 300 `cause` (shutdown).
  void fail_all(const std::string& cause);
  size_t size() const {
    std::lock_guard lock(mu_);
    return pending_.size();
  }
  // Requests completed by expire() or fail_all() so far (etcd's proposals_failed_total).
  uint64_t failed() const {
    std::lock_guard lock(mu_);
    return failed_;
  }

 private:
  struct Pending {
    Done done;
    int64_t deadline_ns;
  };
  mutable std::mutex mu_;
  std::unordered_map<uint64_t, Pending> pending_;
  uint64_t failed_ = 0;
};

}  // namespace larch::server
