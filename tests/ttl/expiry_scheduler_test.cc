#include "ttl/expiry_scheduler.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <map>
#include <random>
#include <string>

#include "../time_units.h"

using larch::ttl::ExpiryScheduler;

namespace {
using larch::test::kMs;
using larch::test::kSec;
using larch::test::kStart;
constexpr int64_t kRetry = kSec;

ExpiryScheduler leader_at_start() {
  ExpiryScheduler s(kStart, kRetry);
  s.set_leader(true);
  return s;
}
}  // namespace

TEST_CASE("scheduler: nothing scheduled, nothing proposed", "[expiry_scheduler]") {
  auto s = leader_at_start();
  CHECK_FALSE(s.poll(kStart).has_value());
  CHECK_FALSE(s.poll(kStart + 100 * kSec).has_value());
  CHECK_FALSE(s.next_due().has_value());
  CHECK(s.size() == 0);
}

TEST_CASE("scheduler: leader proposes once per in-flight sweep", "[expiry_scheduler]") {
  auto s = leader_at_start();
  s.on_applied_ttl("/a", kStart + 5 * kSec);
  CHECK(s.size() == 1);
  CHECK_FALSE(s.poll(kStart + 4 * kSec).has_value());
  CHECK_FALSE(s.poll(kStart + 5 * kSec - 1).has_value());
  CHECK(s.poll(kStart + 5 * kSec + 100 * kMs) == kStart + 5 * kSec + 100 * kMs);
  CHECK(s.in_flight());
  CHECK_FALSE(s.poll(kStart + 5 * kSec + 200 * kMs).has_value());  // still in flight
  CHECK_FALSE(s.poll(kStart + 5 * kSec + 600 * kMs).has_value());
  CHECK(s.size() == 1);  // still tracked until the sweep is applied

  s.on_expire_applied(kStart + 5 * kSec + 100 * kMs);
  CHECK_FALSE(s.in_flight());
  CHECK(s.size() == 0);
  CHECK_FALSE(s.poll(kStart + 10 * kSec).has_value());
}

TEST_CASE("scheduler: a lost proposal is retried after the retry interval", "[expiry_scheduler]") {
  auto s = leader_at_start();
  s.on_applied_ttl("/a", kStart + kSec);
  const int64_t t1 = kStart + kSec;
  REQUIRE(s.poll(t1) == t1);
  CHECK_FALSE(s.poll(t1 + kRetry - 1).has_value());
  CHECK(s.poll(t1 + kRetry) == t1 + kRetry);  // retry
  CHECK_FALSE(s.poll(t1 + kRetry + 1).has_value());
  s.on_expire_applied(t1 + kRetry);
  CHECK(s.size() == 0);
}

TEST_CASE("scheduler: clock going backwards does not block retries forever", "[expiry_scheduler]") {
  auto s = leader_at_start();
  s.on_applied_ttl("/a", kStart + kSec);
  REQUIRE(s.poll(kStart + 100 * kSec).has_value());
  // The clock is corrected back by a minute: the key (expiry kStart+1s) is still due.
  CHECK_FALSE(s.poll(kStart + 40 * kSec).has_value());  // retry interval restarts
  CHECK(s.poll(kStart + 40 * kSec + kRetry) == kStart + 40 * kSec + kRetry);
}

TEST_CASE("scheduler: no proposal while the clock is behind every due key", "[expiry_scheduler]") {
  auto s = leader_at_start();
  s.on_applied_ttl("/a", kStart + 10 * kSec);
  s.poll(kStart + 5 * kSec);  // nothing due yet
  CHECK_FALSE(s.poll(kStart + 10 * kSec - 1).has_value());
  // Becomes due by a forward jump, then the sweep from another leader with an older clock
  // covers nothing: the key must survive and be proposed again.
  REQUIRE(s.poll(kStart + 20 * kSec) == kStart + 20 * kSec);
  s.on_expire_applied(kStart + 9 * kSec);
  CHECK(s.size() == 1);
  CHECK_FALSE(s.poll(kStart + 9 * kSec).has_value());  // clock behind the key: pointless
  CHECK(s.poll(kStart + 21 * kSec) == kStart + 21 * kSec);
}

TEST_CASE("scheduler: followers keep in step but never propose", "[expiry_scheduler]") {
  ExpiryScheduler s(kStart, kRetry);
  CHECK_FALSE(s.is_leader());
  s.on_applied_ttl("/a", kStart + kSec);
  s.on_applied_ttl("/b", kStart + 2 * kSec);
  s.on_applied_ttl("/c", kStart + 30 * kSec);
  CHECK_FALSE(s.poll(kStart + 10 * kSec).has_value());
  CHECK_FALSE(s.poll(kStart + 60 * kSec).has_value());
  // The leader's sweep at +2s removes /a and /b from the store, so from the wheel too.
  s.on_expire_applied(kStart + 2 * kSec);
  CHECK(s.size() == 1);
  // Now this member wins an election: only /c is left, and it is already due.
  s.set_leader(true);
  CHECK(s.poll(kStart + 61 * kSec) == kStart + 61 * kSec);
  s.on_expire_applied(kStart + 61 * kSec);
  CHECK(s.size() == 0);
}

TEST_CASE("scheduler: losing leadership stops proposals; regaining resets in-flight",
          "[expiry_scheduler]") {
  auto s = leader_at_start();
  s.on_applied_ttl("/a", kStart + kSec);
  REQUIRE(s.poll(kStart + 2 * kSec).has_value());
  s.set_leader(false);
  CHECK_FALSE(s.poll(kStart + 10 * kSec).has_value());
  s.set_leader(true);
  // The old proposal may have died with the old term: propose at once, no retry wait.
  CHECK(s.poll(kStart + 10 * kSec + 1) == kStart + 10 * kSec + 1);
}

TEST_CASE("scheduler: a TTL changed while due is not expired by an older sweep",
          "[expiry_scheduler]") {
  auto s = leader_at_start();
  s.on_applied_ttl("/a", kStart + kSec);
  REQUIRE(s.poll(kStart + 2 * kSec).has_value());  // /a now in the due set
  s.on_applied_ttl("/a", kStart + 100 * kSec);     // refreshed before the sweep applied
  s.on_expire_applied(kStart + 2 * kSec);
  CHECK(s.size() == 1);
  CHECK_FALSE(s.poll(kStart + 99 * kSec).has_value());
  CHECK(s.poll(kStart + 100 * kSec) == kStart + 100 * kSec);
}

TEST_CASE("scheduler: removed keys are forgotten", "[expiry_scheduler]") {
  auto s = leader_at_start();
  s.on_applied_ttl("/a", kStart + kSec);
  s.on_applied_ttl("/b", kStart + kSec);
  REQUIRE(s.poll(kStart + 2 * kSec).has_value());  // both in the due set
  s.on_applied_removed("/a");
  s.on_applied_removed("/b");
  s.on_applied_removed("/never-existed");
  CHECK(s.size() == 0);
  s.on_expire_applied(kStart + 2 * kSec);
  s.on_applied_ttl("/c", kStart + 5 * kSec);
  s.on_applied_removed("/c");  // removed while still in the wheel
  CHECK(s.size() == 0);
  CHECK_FALSE(s.poll(kStart + 10 * kSec).has_value());
}

TEST_CASE("scheduler: stale entries cost at most one empty sweep", "[expiry_scheduler]") {
  auto s = leader_at_start();
  // A directory's child had a TTL; the directory was deleted without telling us.
  s.on_applied_ttl("/dir/child", kStart + kSec);
  REQUIRE(s.poll(kStart + 2 * kSec).has_value());
  s.on_expire_applied(kStart + 2 * kSec);  // the store found nothing; we forget it too
  CHECK(s.size() == 0);
  CHECK_FALSE(s.poll(kStart + 3 * kSec + kRetry).has_value());
}

TEST_CASE("scheduler: rebuild replaces state; past expiries are proposed at once",
          "[expiry_scheduler]") {
  auto s = leader_at_start();
  s.on_applied_ttl("/old", kStart + kSec);
  REQUIRE(s.poll(kStart + 2 * kSec).has_value());
  s.rebuild({{"/expired-while-down", kStart - 60 * kSec}, {"/later", kStart + 60 * kSec}});
  CHECK(s.size() == 2);
  CHECK_FALSE(s.in_flight());
  CHECK(s.next_due() == kStart - 60 * kSec);
  CHECK(s.poll(kStart + 3 * kSec) == kStart + 3 * kSec);
  s.on_expire_applied(kStart + 3 * kSec);
  CHECK(s.size() == 1);
  auto next = s.next_due();
  REQUIRE(next.has_value());
  CHECK(*next <= kStart + 60 * kSec);
}

TEST_CASE("scheduler: next_due covers both the wheel and the due set", "[expiry_scheduler]") {
  ExpiryScheduler s(kStart, kRetry);
  s.on_applied_ttl("/a", kStart + kSec);
  s.on_applied_ttl("/b", kStart + 50 * kSec);
  s.poll(kStart + 10 * kSec);  // follower: /a moves to the due set
  CHECK(s.next_due() == kStart + kSec);
}

TEST_CASE("scheduler: randomised — every key is proposed for and nothing is lost",
          "[expiry_scheduler]") {
  // A leader with an unreliable log: each proposal is applied with probability 1/2. Keys
  // whose expiry is covered by an applied sweep must disappear; every other key must stay.
  std::mt19937_64 rng(99);
  auto s = leader_at_start();
  std::map<std::string, int64_t> live;  // the "store": key -> expiry
  int64_t now = kStart;
  int losses = 0;  // consecutive lost proposals, capped at 2 so liveness can be asserted
  for (int step = 0; step < 5000; ++step) {
    INFO("step " << step);
    now += static_cast<int64_t>(rng() % (300 * kMs));
    if (rng() % 2 == 0) {
      std::string key = "/k" + std::to_string(rng() % 100);
      int64_t expiry = now + static_cast<int64_t>(rng() % (5 * kSec));
      live[key] = expiry;
      s.on_applied_ttl(key, expiry);
    }
    if (auto sweep = s.poll(now)) {
      REQUIRE(*sweep == now);
      if (rng() % 2 == 0 || losses == 2) {
        losses = 0;
        std::erase_if(live, [&](const auto& kv) { return kv.second <= *sweep; });
        s.on_expire_applied(*sweep);
      } else {
        ++losses;
      }
    }
    REQUIRE(s.size() == live.size());
    // Liveness: at most 2 lost proposals in a row, each retried after kRetry, polls at most
    // 300 ms apart: nothing stays overdue longer than 3 * (kRetry + 300 ms).
    for (const auto& [key, expiry] : live) REQUIRE(expiry > now - 3 * (kRetry + 300 * kMs));
  }
}

TEST_CASE("scheduler: after a leaderless gap sweeps lag by the gap, then catch up",
          "[expiry_scheduler]") {
  ExpiryScheduler s(kStart, kRetry);  // a follower tracking two keys
  s.on_applied_ttl("/a", kStart + 100 * kMs);
  s.on_applied_ttl("/b", kStart + 400 * kMs);
  REQUIRE_FALSE(s.poll(kStart + 150 * kMs));  // not leader

  // Leader at +150 ms after a 200 ms gap: /a (due +100) may only go once +300 is reached.
  s.become_leader_after_gap(kStart + 150 * kMs, 200 * kMs);
  REQUIRE_FALSE(s.poll(kStart + 150 * kMs));
  REQUIRE_FALSE(s.poll(kStart + 290 * kMs));
  auto sweep = s.poll(kStart + 310 * kMs);
  REQUIRE(sweep == kStart + 110 * kMs);  // the sweep time itself lags: /b is not swept
  s.on_expire_applied(*sweep);

  // The lag ends at +350: from then on the clock counts; /b goes at its own deadline.
  REQUIRE_FALSE(s.poll(kStart + 340 * kMs));
  REQUIRE(s.poll(kStart + 400 * kMs) == kStart + 400 * kMs);
}

TEST_CASE("scheduler: a gap of zero changes nothing", "[expiry_scheduler]") {
  ExpiryScheduler s(kStart, kRetry);
  s.on_applied_ttl("/a", kStart + 100 * kMs);
  s.become_leader_after_gap(kStart, 0);
  REQUIRE(s.poll(kStart + 100 * kMs) == kStart + 100 * kMs);
}
