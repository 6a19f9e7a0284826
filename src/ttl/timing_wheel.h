#pragma once
// A pure hierarchical timing wheel over string keys (node paths). No clock reads, no
// threads, no I/O: time only moves when the caller says so. Not thread-safe; the owner
// (the raft thread) calls everything.
//
// Times are int64 Unix nanoseconds, like the rest of the server; internally they are
// bucketed into ticks of `tick_ns` (e.g. 10 ms). advance() is nevertheless exact: it returns
// a key only when its expiry <= now, never early.
//
// Layout: 11 levels of 64 slots (6 bits of the tick number each, 66 >= 64 bits), so every
// int64 time fits without an overflow list. A key lives in the level of the highest 6-bit
// group in which its tick differs from the cursor; when the cursor enters a slot of a higher
// level, that slot's keys cascade down (each key moves at most 11 times in its life).
// Per-level occupancy bitmaps let advance() jump over empty stretches, so a jump of years
// costs O(levels), not O(ticks). Keys whose tick has been reached sit in a small `ready`
// list until their exact expiry passes.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace larch::ttl {

class TimingWheel {
 public:
  static constexpr int64_t kDefaultTickNs = 10'000'000;  // 10 ms

  // start_ns: the wheel's initial "now". tick_ns: bucket width (> 0; clamped to >= 1).
  explicit TimingWheel(int64_t start_ns, int64_t tick_ns = kDefaultTickNs);

  // Movable (list nodes live inside the map's nodes, which a move transfers intact); the
  // moved-from wheel is left empty. Not copyable.
  TimingWheel(TimingWheel&& other) noexcept;
  TimingWheel& operator=(TimingWheel&& other) noexcept;
  TimingWheel(const TimingWheel&) = delete;
  TimingWheel& operator=(const TimingWheel&) = delete;

  // Schedules key to expire at expiry_ns, replacing any earlier schedule of the key.
  // An expiry in the past is due at the next advance(). O(1) (amortised hash insert).
  void schedule(const std::string& key, int64_t expiry_ns);

  // Forgets key; returns false if it was not scheduled. Frees its memory at once. O(1).
  bool cancel(const std::string& key);

  // Removes and returns every key whose expiry <= now_ns (each exactly once, unordered).
  // now_ns may go backwards: that is harmless (only keys with expiry <= now_ns come out).
  std::vector<std::string> advance(int64_t now_ns);
  // Same as advance(), with each key's expiry.
  std::vector<std::pair<std::string, int64_t>> advance_entries(int64_t now_ns);

  // A lower bound of the earliest scheduled expiry: never later than the true earliest, and
  // coarser the farther away it is (the start of the wheel slot holding it: within one tick
  // once it is in the cursor's current 64-tick block). nullopt when nothing is scheduled.
  // Callers re-check after advancing to it rather than assume something is due.
  std::optional<int64_t> next_due() const;

  // The expiry currently scheduled for key, if any.
  std::optional<int64_t> expiry_of(const std::string& key) const;

  size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }

  // Drops every key (keeps the cursor).
  void clear();

 private:
  static constexpr int kLevels = 11;
  static constexpr int kSlotBits = 6;
  static constexpr int kSlots = 1 << kSlotBits;
  static constexpr uint16_t kReadySlot = kLevels * kSlots;  // list of reached ticks
  static constexpr uint16_t kNoSlot = kReadySlot + 1;

  struct Entry;
  // A map element; address-stable until erased, so it doubles as the intrusive list node.
  using Node = std::pair<const std::string, Entry>;
  struct Entry {
    int64_t expiry_ns = 0;
    Node* prev = nullptr;
    Node* next = nullptr;
    uint16_t slot = kNoSlot;
  };
  using Map = std::unordered_map<std::string, Entry>;

  uint64_t tick_of(int64_t t_ns) const;
  int64_t time_of(uint64_t tick) const;
  void place(Node* node);
  void link(Node* node, uint16_t slot);
  void unlink(Node* node);
  // Lowest occupied level and its earliest slot; false if the wheel levels are empty.
  bool next_event(int* level, int* slot) const;
  uint64_t event_tick(int level, int slot) const;
  void fire(int level, int slot);
  void collect_ready(int64_t now_ns, std::vector<std::pair<std::string, int64_t>>* out);

  int64_t start_ns_;
  int64_t tick_ns_;
  uint64_t cursor_ = 0;  // every tick <= cursor_ has been reached
  Map entries_;
  std::array<Node*, kReadySlot + 1> heads_{};  // list heads: wheel slots + ready list
  std::array<uint64_t, kLevels> occupied_{};   // bit s of level l: slot (l, s) non-empty
  // Lower bound of the expiries in the ready list (stale-low after cancels, which is allowed
  // by next_due's contract; made exact again by every advance()).
  int64_t ready_min_ = INT64_MAX;
};

}  // namespace larch::ttl
