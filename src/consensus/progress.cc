#include "consensus/progress.h"

#include <algorithm>

namespace larch::consensus {

void Progress::become_probe() {
  // From replicate, what was sent optimistically is unknown: restart right after match.
  if (state_ != ProgressState::kProbe) next_ = match_ + 1;
  state_ = ProgressState::kProbe;
  probe_sent_ = false;
  inflights_.reset();
}

void Progress::become_snapshot() {
  state_ = ProgressState::kSnapshot;
  probe_sent_ = false;
  snapshot_ticks_ = 0;
  inflights_.reset();
}

bool Progress::tick_snapshot(int limit) {
  return state_ == ProgressState::kSnapshot && ++snapshot_ticks_ >= limit;
}

void Progress::become_replicate() {
  state_ = ProgressState::kReplicate;
  next_ = match_ + 1;
  probe_sent_ = false;
  inflights_.reset();
}

bool Progress::maybe_update(uint64_t n) {
  bool updated = false;
  if (match_ < n) {
    match_ = n;
    updated = true;
    probe_sent_ = false;
  }
  next_ = std::max(next_, n + 1);
  if (state_ == ProgressState::kReplicate) inflights_.free_le(n);
  return updated;
}

bool Progress::maybe_decr_to(uint64_t rejected, uint64_t match_hint) {
  if (state_ == ProgressState::kReplicate) {
    if (rejected <= match_) return false;  // stale: that part is known to match
    next_ = match_ + 1;
    return true;
  }
  if (next_ - 1 != rejected) return false;  // answer to an older probe
  next_ = std::max(std::min(rejected, match_hint + 1), match_ + 1);
  probe_sent_ = false;
  return true;
}

void Progress::sent_append(uint64_t last_index, uint64_t bytes) {
  if (state_ == ProgressState::kReplicate) {
    if (last_index != 0) {
      next_ = last_index + 1;
      inflights_.add(last_index, bytes);
    }
    return;
  }
  probe_sent_ = true;
}

void Progress::on_heartbeat_resp() {
  probe_sent_ = false;
  if (state_ == ProgressState::kReplicate && inflights_.full()) inflights_.free_first_one();
}

bool Progress::is_paused() const {
  switch (state_) {
    case ProgressState::kProbe:
      return probe_sent_;
    case ProgressState::kReplicate:
      return inflights_.full();
    case ProgressState::kSnapshot:
      return true;
  }
  return true;
}

}  // namespace larch::consensus
