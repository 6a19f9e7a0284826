#pragma once
// The leader-only expiry policy on top of TimingWheel. Every member feeds it while applying
// (on_applied_ttl / on_applied_removed / on_expire_applied), so its bookkeeping is a function
// of the applied log and of the caller's poll() times only; only the leader is ever told to
// propose. Pure: no clock, no threads; the raft thread owns it and calls everything.
//
// Protocol (server side):
//   apply(cmd) sets/changes a TTL        -> on_applied_ttl(key, expiry_ns)
//   apply(cmd) deletes a key / clears TTL -> on_applied_removed(key)   (optional, see below)
//   apply(Expire{t})                     -> on_expire_applied(t)
//   periodic timer (e.g. every 100-500 ms) -> if (auto t = poll(now)) propose Expire{*t}
//   leadership change                    -> set_leader(bool)
//
// Stale entries (a key deleted, or a directory removed with TTL'd children, without
// on_applied_removed) are harmless: they may cause one Expire proposal that deletes nothing,
// and are dropped when that Expire is applied, exactly as on every other member.
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "ttl/timing_wheel.h"

namespace larch::ttl {

class ExpiryScheduler {
 public:
  static constexpr int64_t kDefaultRetryNs = 1'000'000'000;  // re-propose a lost sweep after 1 s

  // start_ns: initial time for the wheel; retry_ns: how long an unanswered proposal blocks
  // the next one; tick_ns: wheel resolution.
  explicit ExpiryScheduler(int64_t start_ns, int64_t retry_ns = kDefaultRetryNs,
                           int64_t tick_ns = TimingWheel::kDefaultTickNs);

  // Replaces all state with the given (key, expiry_ns) pairs (startup, snapshot install).
  // Keys already past their expiry are proposed by the leader's next poll().
  void rebuild(const std::vector<std::pair<std::string, int64_t>>& ttl_nodes);

  // A command applied on this member gave key the absolute expiry expiry_ns.
  void on_applied_ttl(const std::string& key, int64_t expiry_ns);
  // A command applied on this member deleted key or made it permanent.
  void on_applied_removed(const std::string& key);
  // Expire{sweep_ns} was applied: every key with expiry <= sweep_ns is gone from the store.
  // Clears the in-flight proposal, whoever proposed it.
  void on_expire_applied(int64_t sweep_ns);

  // Leadership changed. Becoming leader (or losing it) forgets any in-flight proposal.
  void set_leader(bool leader);
  // Becoming leader at now_ns after the cluster had no usable leader for gap_ns: clients could
  // not refresh their keys in that gap, so until now_ns + gap_ns every sweep runs gap_ns
  // behind the clock. No key expires earlier than its deadline plus the gap it could not
  // use; none expires more than gap_ns late.
  void become_leader_after_gap(int64_t now_ns, int64_t gap_ns);
  bool is_leader() const { return leader_; }

  // Keeps the wheel in step with now_ns. Returns the sweep time to propose (Expire{t}, t =
  // now_ns, or now_ns - gap while a post-gap lag is active) only if this member is leader,
  // some key is due by t, and no proposal is in flight (or the in-flight one is older than
  // retry_ns, i.e. presumed lost).
  std::optional<int64_t> poll(int64_t now_ns);

  // Lower bound of the earliest expiry still tracked (for sizing a timer); nullopt if none.
  std::optional<int64_t> next_due() const;

  size_t size() const { return wheel_.size() + due_.size(); }  // keys tracked
  bool in_flight() const { return in_flight_; }

 private:
  void forget_due(const std::string& key);
  void take_due(int64_t now_ns);
  void drop_expired(int64_t sweep_ns);

  TimingWheel wheel_;
  int64_t retry_ns_;
  bool leader_ = false;
  bool in_flight_ = false;
  int64_t proposed_at_ns_ = 0;
  int64_t lag_ns_ = 0;        // sweeps run this far behind the clock ...
  int64_t lag_until_ns_ = 0;  // ... until this time
  // Keys the wheel reported due (by some poll's now) that no applied Expire has removed yet,
  // indexed both ways so "earliest due" and "remove key" are cheap.
  std::unordered_map<std::string, int64_t> due_;
  std::set<std::pair<int64_t, std::string>> due_by_time_;
};

}  // namespace larch::ttl
