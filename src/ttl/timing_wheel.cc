#include "ttl/timing_wheel.h"

#include <algorithm>
#include <bit>
#include <utility>

namespace larch::ttl {

TimingWheel::TimingWheel(int64_t start_ns, int64_t tick_ns)
    : start_ns_(start_ns), tick_ns_(std::max<int64_t>(tick_ns, 1)) {}

TimingWheel::TimingWheel(TimingWheel&& other) noexcept
    : start_ns_(other.start_ns_), tick_ns_(other.tick_ns_) {
  *this = std::move(other);
}

TimingWheel& TimingWheel::operator=(TimingWheel&& other) noexcept {
  if (this == &other) return *this;
  start_ns_ = other.start_ns_;
  tick_ns_ = other.tick_ns_;
  cursor_ = other.cursor_;
  entries_ = std::move(other.entries_);  // node addresses survive the move
  heads_ = other.heads_;
  occupied_ = other.occupied_;
  ready_min_ = other.ready_min_;
  other.clear();
  return *this;
}

// Ticks count from start_ns_; anything at or before the start is tick 0. The difference is
// taken in unsigned arithmetic because it may exceed INT64_MAX (it never exceeds 2^64 - 1).
uint64_t TimingWheel::tick_of(int64_t t_ns) const {
  if (t_ns <= start_ns_) return 0;
  uint64_t diff = static_cast<uint64_t>(t_ns) - static_cast<uint64_t>(start_ns_);
  return diff / static_cast<uint64_t>(tick_ns_);
}

// Start time of a tick. Only called for ticks <= the tick of some real int64 time, so the
// result is representable.
int64_t TimingWheel::time_of(uint64_t tick) const {
  uint64_t t = static_cast<uint64_t>(start_ns_) + tick * static_cast<uint64_t>(tick_ns_);
  return static_cast<int64_t>(t);
}

void TimingWheel::link(Node* node, uint16_t slot) {
  Entry& e = node->second;
  e.slot = slot;
  e.prev = nullptr;
  e.next = heads_[slot];
  if (e.next != nullptr) e.next->second.prev = node;
  heads_[slot] = node;
  if (slot < kReadySlot) occupied_[slot / kSlots] |= uint64_t{1} << (slot % kSlots);
}

void TimingWheel::unlink(Node* node) {
  Entry& e = node->second;
  if (e.slot == kNoSlot) return;
  if (e.prev != nullptr) {
    e.prev->second.next = e.next;
  } else {
    heads_[e.slot] = e.next;
  }
  if (e.next != nullptr) e.next->second.prev = e.prev;
  if (heads_[e.slot] == nullptr && e.slot < kReadySlot) {
    occupied_[e.slot / kSlots] &= ~(uint64_t{1} << (e.slot % kSlots));
  }
  e.prev = e.next = nullptr;
  e.slot = kNoSlot;
}

// Puts a node into the ready list (tick already reached) or into the level of the highest
// 6-bit group where its tick differs from the cursor. Invariant: a key at (level, slot) agrees
// with the cursor above that group, and slot > the cursor's digit at that level.
void TimingWheel::place(Node* node) {
  int64_t expiry = node->second.expiry_ns;
  uint64_t tick = tick_of(expiry);
  if (tick <= cursor_) {
    link(node, kReadySlot);
    ready_min_ = std::min(ready_min_, expiry);
    return;
  }
  int high_bit = 63 - std::countl_zero(tick ^ cursor_);
  int level = high_bit / kSlotBits;
  int slot = static_cast<int>((tick >> (level * kSlotBits)) & (kSlots - 1));
  link(node, static_cast<uint16_t>(level * kSlots + slot));
}

void TimingWheel::schedule(const std::string& key, int64_t expiry_ns) {
  auto [it, inserted] = entries_.try_emplace(key);
  Node* node = &*it;
  if (!inserted) unlink(node);
  node->second.expiry_ns = expiry_ns;
  place(node);
}

bool TimingWheel::cancel(const std::string& key) {
  auto it = entries_.find(key);
  if (it == entries_.end()) return false;
  unlink(&*it);
  entries_.erase(it);
  return true;
}

std::optional<int64_t> TimingWheel::expiry_of(const std::string& key) const {
  auto it = entries_.find(key);
  if (it == entries_.end()) return std::nullopt;
  return it->second.expiry_ns;
}

bool TimingWheel::next_event(int* level, int* slot) const {
  for (int l = 0; l < kLevels; ++l) {
    if (occupied_[l] != 0) {
      *level = l;
      *slot = std::countr_zero(occupied_[l]);
      return true;
    }
  }
  return false;
}

// The tick at which the cursor enters (level, slot): cursor's digits above the level, the
// slot as that level's digit, zeros below.
uint64_t TimingWheel::event_tick(int level, int slot) const {
  int shift = level * kSlotBits;
  int above = shift + kSlotBits;
  uint64_t high = above >= 64 ? 0 : (cursor_ >> above) << above;
  return high | (static_cast<uint64_t>(slot) << shift);
}

// Moves the cursor into (level, slot) and re-places that slot's keys relative to it: they
// land in lower levels or, when their tick is reached, in the ready list.
void TimingWheel::fire(int level, int slot) {
  cursor_ = event_tick(level, slot);
  auto index = static_cast<uint16_t>(level * kSlots + slot);
  Node* node = heads_[index];
  heads_[index] = nullptr;
  occupied_[level] &= ~(uint64_t{1} << slot);
  while (node != nullptr) {
    Node* next = node->second.next;
    node->second.prev = node->second.next = nullptr;
    node->second.slot = kNoSlot;
    place(node);
    node = next;
  }
}

void TimingWheel::collect_ready(int64_t now_ns, std::vector<std::pair<std::string, int64_t>>* out) {
  int64_t remaining_min = INT64_MAX;
  Node* node = heads_[kReadySlot];
  while (node != nullptr) {
    Node* next = node->second.next;
    if (node->second.expiry_ns <= now_ns) {
      out->emplace_back(node->first, node->second.expiry_ns);
      unlink(node);
      entries_.erase(out->back().first);
    } else {
      remaining_min = std::min(remaining_min, node->second.expiry_ns);
    }
    node = next;
  }
  ready_min_ = remaining_min;
}

std::vector<std::pair<std::string, int64_t>> TimingWheel::advance_entries(int64_t now_ns) {
  uint64_t target = tick_of(now_ns);
  if (target > cursor_) {
    int level = 0;
    int slot = 0;
    // Jump from one occupied slot to the next; empty stretches cost nothing.
    while (next_event(&level, &slot) && event_tick(level, slot) <= target) fire(level, slot);
    cursor_ = target;
  }
  std::vector<std::pair<std::string, int64_t>> due;
  if (heads_[kReadySlot] != nullptr) collect_ready(now_ns, &due);
  return due;
}

std::vector<std::string> TimingWheel::advance(int64_t now_ns) {
  std::vector<std::string> keys;
  auto due = advance_entries(now_ns);
  keys.reserve(due.size());
  for (auto& entry : due) keys.push_back(std::move(entry.first));
  return keys;
}

std::optional<int64_t> TimingWheel::next_due() const {
  std::optional<int64_t> best;
  if (heads_[kReadySlot] != nullptr) best = ready_min_;
  int level = 0;
  int slot = 0;
  if (next_event(&level, &slot)) {
    int64_t t = time_of(event_tick(level, slot));
    best = best ? std::min(*best, t) : t;
  }
  return best;
}

void TimingWheel::clear() {
  entries_.clear();
  heads_.fill(nullptr);
  occupied_.fill(0);
  ready_min_ = INT64_MAX;
}

}  // namespace larch::ttl
