#include "ttl/expiry_scheduler.h"

#include <algorithm>

namespace larch::ttl {

ExpiryScheduler::ExpiryScheduler(int64_t start_ns, int64_t retry_ns, int64_t tick_ns)
    : wheel_(start_ns, tick_ns), retry_ns_(std::max<int64_t>(retry_ns, 0)) {}

void ExpiryScheduler::rebuild(const std::vector<std::pair<std::string, int64_t>>& ttl_nodes) {
  wheel_.clear();
  due_.clear();
  due_by_time_.clear();
  in_flight_ = false;
  for (const auto& [key, expiry] : ttl_nodes) wheel_.schedule(key, expiry);
}

void ExpiryScheduler::forget_due(const std::string& key) {
  auto it = due_.find(key);
  if (it == due_.end()) return;
  due_by_time_.erase({it->second, key});
  due_.erase(it);
}

void ExpiryScheduler::on_applied_ttl(const std::string& key, int64_t expiry_ns) {
  forget_due(key);
  wheel_.schedule(key, expiry_ns);
}

void ExpiryScheduler::on_applied_removed(const std::string& key) {
  forget_due(key);
  wheel_.cancel(key);
}

// Moves keys the wheel says are due by now_ns into the due set (they stay tracked until an
// applied Expire covers them, so a lost proposal loses nothing).
void ExpiryScheduler::take_due(int64_t now_ns) {
  for (auto& [key, expiry] : wheel_.advance_entries(now_ns)) {
    due_by_time_.emplace(expiry, key);
    due_.emplace(std::move(key), expiry);
  }
}

void ExpiryScheduler::drop_expired(int64_t sweep_ns) {
  while (!due_by_time_.empty() && due_by_time_.begin()->first <= sweep_ns) {
    due_.erase(due_by_time_.begin()->second);
    due_by_time_.erase(due_by_time_.begin());
  }
}

void ExpiryScheduler::on_expire_applied(int64_t sweep_ns) {
  in_flight_ = false;
  take_due(sweep_ns);
  drop_expired(sweep_ns);
}

void ExpiryScheduler::set_leader(bool leader) {
  leader_ = leader;
  in_flight_ = false;
}

void ExpiryScheduler::become_leader_after_gap(int64_t now_ns, int64_t gap_ns) {
  set_leader(true);
  lag_ns_ = gap_ns > 0 ? gap_ns : 0;
  lag_until_ns_ = now_ns + lag_ns_;
}

std::optional<int64_t> ExpiryScheduler::poll(int64_t clock_ns) {
  int64_t now_ns = clock_ns < lag_until_ns_ ? clock_ns - lag_ns_ : clock_ns;
  take_due(now_ns);
  if (!leader_ || due_by_time_.empty()) return std::nullopt;
  if (due_by_time_.begin()->first > now_ns) return std::nullopt;  // clock went backwards
  if (in_flight_) {
    // A clock that went backwards restarts the retry interval rather than blocking forever.
    if (now_ns < proposed_at_ns_) proposed_at_ns_ = now_ns;
    if (now_ns - proposed_at_ns_ < retry_ns_) return std::nullopt;
  }
  in_flight_ = true;
  proposed_at_ns_ = now_ns;
  return now_ns;
}

std::optional<int64_t> ExpiryScheduler::next_due() const {
  std::optional<int64_t> best = wheel_.next_due();
  if (!due_by_time_.empty()) {
    int64_t t = due_by_time_.begin()->first;
    best = best ? std::min(*best, t) : t;
  }
  return best;
}

}  // namespace larch::ttl
