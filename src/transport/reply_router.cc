#include "transport/reply_router.h"

namespace larch::transport {

void ReplyRouter::open(consensus::NodeId from, std::shared_ptr<ReplySlot> slot) {
  std::lock_guard lock(mu_);
  open_[from] = std::move(slot);
}

void ReplyRouter::close(consensus::NodeId from, const std::shared_ptr<ReplySlot>& slot) {
  std::lock_guard lock(mu_);
  auto it = open_.find(from);
  if (it != open_.end() && it->second == slot) open_.erase(it);
}

bool ReplyRouter::offer(consensus::NodeId to, std::vector<consensus::Message>& msgs) {
  std::shared_ptr<ReplySlot> slot;
  {
    std::lock_guard lock(mu_);
    auto it = open_.find(to);
    if (it == open_.end()) return false;
    slot = it->second;
  }
  return slot->offer(msgs);
}

}  // namespace larch::transport
