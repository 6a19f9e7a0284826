#pragma once
// Which remote members have a POST held open at this member (see ReplySlot): the peer
// handler opens a slot for the sender of a `reply=1` batch and closes it once it answers;
// Transport::send offers a peer's messages to an open slot before queueing them for a POST.
// A member may hold several POSTs open at once (a pipelining connection, or a new connection
// while an old one still waits): its messages go to the oldest slot still open, the one
// answered first, so an answer never waits behind a later batch.
//
// Threading: every method from any thread.
#include <deque>
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
  // Forgets `slot` (a no-op if it is not open for `from`).
  void close(consensus::NodeId from, const std::shared_ptr<ReplySlot>& slot);
  // Adds `msgs` (all to member `to`) to its oldest open slot: true when they were taken.
  bool offer(consensus::NodeId to, std::vector<consensus::Message>& msgs);

 private:
  std::mutex mu_;
  std::map<consensus::NodeId, std::deque<std::shared_ptr<ReplySlot>>> open_;
};

}  // namespace larch::transport
