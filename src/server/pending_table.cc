#include "server/pending_table.h"

namespace larch::server {

void PendingTable::add(uint64_t request_id, Done done, int64_t deadline_ns) {
  std::lock_guard lock(mu_);
  pending_.emplace(request_id, Pending{std::move(done), deadline_ns});
}

PendingTable::Done PendingTable::take(uint64_t request_id) {
  std::lock_guard lock(mu_);
  auto it = pending_.find(request_id);
  if (it == pending_.end()) return nullptr;
  Done d = std::move(it->second.done);
  pending_.erase(it);
  return d;
}

namespace {
http::WriteReply failure(const std::string& cause) {
  http::WriteReply r;
  r.internal_error = true;
  r.internal_cause = cause;
  return r;
}
}  // namespace

void PendingTable::expire(int64_t now_ns) {
  std::vector<Done> late;
  std::unique_lock lock(mu_);
  for (auto it = pending_.begin(); it != pending_.end();) {
    if (it->second.deadline_ns <= now_ns) {
      late.push_back(std::move(it->second.done));
      it = pending_.erase(it);
    } else {
      ++it;
    }
  }
  failed_ += late.size();
  lock.unlock();
  for (auto& d : late) d(failure("etcdserver: request timed out"));
}

void PendingTable::fail_all(const std::string& cause) {
  std::unique_lock lock(mu_);
  auto all = std::move(pending_);
  pending_.clear();
  failed_ += all.size();
  lock.unlock();
  for (auto& [id, p] : all) p.done(failure(cause));
}

}  // namespace larch::server
