#include "transport/reply_router.h"

#include <algorithm>

namespace larch::transport {

void ReplyRouter::open(consensus::NodeId from, std::shared_ptr<ReplySlot> slot) {
  std::lock_guard lock(mu_);
  open_[from].push_back(std::move(slot));
}

void ReplyRouter::close(consensus::NodeId from, const std::shared_ptr<ReplySlot>& slot) {
  std::lock_guard lock(mu_);
  auto it = open_.find(from);
  if (it == open_.end()) return;
  auto& slots = it->second;
  slots.erase(std::remove(slots.begin(), slots.end(), slot), slots.end());
  if (slots.empty()) open_.erase(it);
}

bool ReplyRouter::offer(consensus::NodeId to, std::vector<consensus::Message>& msgs) {
  // Under the lock: a slot closes (take()) under its own mutex, so one that refuses here is
  // done for good and can be dropped; offering in deque order keeps the oldest first.
  std::lock_guard lock(mu_);
  auto it = open_.find(to);
  if (it == open_.end()) return false;
  auto& slots = it->second;
  while (!slots.empty()) {
    if (slots.front()->offer(msgs)) return true;
    slots.pop_front();  // answered already, not yet closed by its handler
  }
  open_.erase(it);
  return false;
}

}  // namespace larch::transport
