#include "consensus/raft_log.h"

#include <algorithm>

#include "consensus/fatal.h"

namespace larch::consensus {

RaftLog::RaftLog(LogStorage& storage, uint64_t applied)
    : storage_(storage),
      offset_(storage.last_index() + 1),
      in_progress_(offset_),
      committed_(storage.hard_state().commit) {
  if (committed_ > storage.last_index()) raft_fatal("stored commit index beyond the log");
  // The state machine cannot be ahead of the durable commit index: Ready persists the
  // hard state before its entries are applied.
  if (applied > committed_) raft_fatal("applied index beyond the stored commit index");
  applied_ = std::max(applied, storage.first_index() - 1);
}

uint64_t RaftLog::last_index() const {
  return last_unstable_index();
}

std::optional<uint64_t> RaftLog::term(uint64_t i) const {
  if (i >= offset_) {
    if (i > last_unstable_index()) return std::nullopt;
    return unstable_[i - offset_].term;
  }
  return storage_.term(i);
}

bool RaftLog::is_up_to_date(uint64_t index, uint64_t t) const {
  uint64_t lt = last_term();
  return t > lt || (t == lt && index >= last_index());
}

std::vector<Entry> RaftLog::slice(uint64_t lo, uint64_t hi, uint64_t max_bytes) const {
  std::vector<Entry> out;
  if (lo >= hi) return out;
  uint64_t bytes = 0;
  if (lo < tail_first()) {
    uint64_t stored_hi = std::min(hi, tail_first());
    out = storage_.entries(lo, stored_hi, max_bytes);
    if (out.size() < stored_hi - lo) return out;  // byte limit reached inside storage
    for (const Entry& e : out) bytes += e.data.size();
  }
  // The tail and the unstable entries are consecutive: [tail_first(), last_unstable_index()].
  for (uint64_t i = std::max(lo, tail_first()); i < hi && i <= last_unstable_index(); ++i) {
    const Entry& e = i < offset_ ? tail_[i - tail_first()] : unstable_[i - offset_];
    if (!out.empty() && bytes + e.data.size() > max_bytes) break;
    bytes += e.data.size();
    out.push_back(e);
  }
  return out;
}

uint64_t RaftLog::find_conflict(const std::vector<Entry>& ents) const {
  for (const Entry& e : ents) {
    if (!match_term(e.index, e.term)) return e.index;
  }
  return 0;
}

std::optional<uint64_t> RaftLog::maybe_append(uint64_t prev_index, uint64_t prev_term,
                                              uint64_t leader_commit,
                                              const std::vector<Entry>& ents) {
  if (!match_term(prev_index, prev_term)) return std::nullopt;
  uint64_t last_new = prev_index + ents.size();
  uint64_t conflict = find_conflict(ents);
  if (conflict != 0) {
    if (conflict <= committed_) raft_fatal("leader entry conflicts with a committed entry");
    append(std::span<const Entry>(ents).subspan(conflict - prev_index - 1));
  }
  commit_to(std::min(leader_commit, last_new));
  return last_new;
}

uint64_t RaftLog::append(std::span<const Entry> ents) {
  return append_range(ents.begin(), ents.end());
}

uint64_t RaftLog::append(std::vector<Entry>&& ents) {
  return append_range(std::make_move_iterator(ents.begin()), std::make_move_iterator(ents.end()));
}

template <typename It>
uint64_t RaftLog::append_range(It first, It last) {
  if (first == last) return last_index();
  uint64_t after = (*first).index;  // no move: reads a member of the xvalue
  if (after <= committed_) raft_fatal("append would truncate committed entries");
  if (after > last_unstable_index() + 1) raft_fatal("append leaves a gap in the log");
  if (after <= offset_) {
    // Replaces stable entries too; the stale stable suffix stays shadowed until the
    // driver's persist overwrites it.
    while (!tail_.empty() && tail_.back().index >= after) {
      tail_bytes_ -= tail_.back().data.size();
      tail_.pop_back();
    }
    offset_ = after;
    unstable_.assign(first, last);
    in_progress_ = offset_;
  } else {
    unstable_.resize(after - offset_);
    unstable_.insert(unstable_.end(), first, last);
    in_progress_ = std::min(in_progress_, after);
  }
  return last_index();
}

std::pair<uint64_t, uint64_t> RaftLog::find_conflict_by_term(uint64_t index, uint64_t t) const {
  for (; index > 0; --index) {
    std::optional<uint64_t> ours = term(index);
    if (!ours) return {index, 0};
    if (*ours <= t) return {index, *ours};
  }
  return {0, 0};
}

void RaftLog::commit_to(uint64_t i) {
  if (i <= committed_) return;
  if (i > last_index()) raft_fatal("commit index beyond the log");
  committed_ = i;
}

bool RaftLog::maybe_commit(uint64_t max_index, uint64_t t) {
  if (max_index <= committed_ || term(max_index) != t) return false;
  commit_to(max_index);
  return true;
}

std::vector<Entry> RaftLog::take_entries_to_persist() {
  std::vector<Entry> out(unstable_.begin() + static_cast<ptrdiff_t>(in_progress_ - offset_),
                         unstable_.end());
  in_progress_ = last_unstable_index() + 1;
  return out;
}

void RaftLog::stable_to(uint64_t i, uint64_t t) {
  // A mismatch means the entries were replaced since they were handed out; the newer
  // ones are still unstable and will be persisted by a later Ready.
  if (i < offset_ || i > last_unstable_index() || unstable_[i - offset_].term != t) return;
  auto end = unstable_.begin() + static_cast<ptrdiff_t>(i - offset_ + 1);
  for (auto it = unstable_.begin(); it != end; ++it) {
    tail_bytes_ += it->data.size();
    tail_.push_back(std::move(*it));
  }
  unstable_.erase(unstable_.begin(), end);
  offset_ = i + 1;
  in_progress_ = std::max(in_progress_, offset_);
  while (!tail_.empty() && (tail_.front().index <= applied_ || tail_bytes_ > kStableTailBytes)) {
    pop_tail_front();
  }
}

uint64_t RaftLog::apply_limit() const {
  return std::min(committed_, in_progress_ - 1);
}

void RaftLog::pop_tail_front() {
  tail_bytes_ -= tail_.front().data.size();
  tail_.pop_front();
}

std::vector<Entry> RaftLog::take_entries_to_apply(uint64_t max_bytes) {
  if (!has_entries_to_apply()) return {};
  uint64_t lo = applied_ + 1;
  uint64_t hi = apply_limit() + 1;
  if (tail_.empty() || tail_first() != lo) return slice(lo, hi, max_bytes);
  std::vector<Entry> out;
  uint64_t bytes = 0;
  while (!tail_.empty() && lo < hi) {
    uint64_t size = tail_.front().data.size();
    if (!out.empty() && bytes + size > max_bytes) return out;
    bytes += size;
    tail_bytes_ -= size;
    out.push_back(std::move(tail_.front()));
    tail_.pop_front();
    ++lo;
  }
  if (lo < hi && bytes < max_bytes) {
    for (Entry& e : slice(lo, hi, max_bytes - bytes)) out.push_back(std::move(e));
  }
  return out;
}

void RaftLog::restore(uint64_t index, uint64_t term) {
  if (storage_.first_index() != index + 1 || storage_.term(index) != term) {
    raft_fatal("restore: storage does not hold the installed snapshot");
  }
  unstable_.clear();
  tail_.clear();
  tail_bytes_ = 0;
  offset_ = index + 1;
  in_progress_ = offset_;
  committed_ = std::max(committed_, index);
  applied_ = std::max(applied_, index);
}

void RaftLog::applied_to(uint64_t i) {
  if (i <= applied_) return;
  if (i > committed_) raft_fatal("applied index beyond commit");
  applied_ = i;
  while (!tail_.empty() && tail_.front().index <= applied_) pop_tail_front();
}

}  // namespace larch::consensus
