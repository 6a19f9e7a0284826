#pragma once
// Which remote members have a POST held open at this member (see ReplySlot): the peer
// handler opens a slot for the sender of a `reply=1` batch and closes it once it answers;
// Transport::send offers a peer's messages to its open slot before queueing them for a POST.
// At most one slot per member: a newer POST from the same member replaces the older slot
// (whose messages stay with it).
//
// Threading: every method from any thread.
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "consensus/message.h"
#include "transport/reply_slot.h"

namespace larch::transport {

class ReplyRouter {
 public:
  void open(consensus::NodeId from, std::shared_ptr<ReplySlot> slot);
  // Forgets `slot` if it is still the one open for `from`.
  void close(consensus::NodeId from, const std::shared_ptr<ReplySlot>& slot);
  // Adds `msgs` (all to member `to`) to its open slot: true when they were taken.
  bool offer(consensus::NodeId to, std::vector<consensus::Message>& msgs);

 private:
  std::mutex mu_;
  std::map<consensus::NodeId, std::shared_ptr<ReplySlot>> open_;
};

}  // namespace larch::transport
