#include "server/leader_affinity.h"

namespace larch::server {

void LeaderAffinity::start_window(int64_t now_ns, uint64_t commit_index) {
  started_ = true;
  window_start_ns_ = now_ns;
  window_commit_ = commit_index;
  forwarded_ = 0;
}

bool LeaderAffinity::should_ask(int64_t now_ns, bool follower, uint64_t commit_index) {
  if (!started_ || commit_index < window_commit_) {  // first call, or a restored snapshot
    start_window(now_ns, commit_index);
    streak_ = 0;
    return false;
  }
  if (now_ns - window_start_ns_ < options_.window_ns) return false;
  // Forwarded writes commit a little later than they are counted, so the share can exceed
  // 100 %; entries of other members (and no-ops, expiries) in the window lower it.
  uint64_t committed = commit_index - window_commit_;
  bool dominant = follower && forwarded_ >= options_.min_writes &&
                  forwarded_ * 100 >= committed * options_.share_percent;
  start_window(now_ns, commit_index);
  streak_ = dominant ? streak_ + 1 : 0;
  if (streak_ < options_.windows || now_ns < next_allowed_ns_) return false;
  streak_ = 0;
  next_allowed_ns_ = now_ns + options_.cooldown_ns;
  return true;
}

}  // namespace larch::server
