#include "ttl/timing_wheel.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "../time_units.h"

using larch::ttl::TimingWheel;

namespace {
using larch::test::kMs;
using larch::test::kSec;
constexpr int64_t kYear = 365LL * 24 * 3600 * kSec;
using larch::test::kStart;

std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}
}  // namespace

TEST_CASE("wheel: a key comes out exactly at its expiry, once", "[timing_wheel]") {
  TimingWheel wheel(kStart, 10 * kMs);
  wheel.schedule("/a", kStart + 1005 * kMs);  // mid-tick
  CHECK(wheel.size() == 1);
  CHECK(wheel.advance(kStart + 1000 * kMs).empty());
  CHECK(wheel.advance(kStart + 1005 * kMs - 1).empty());  // same tick, 1 ns early
  CHECK(wheel.advance(kStart + 1005 * kMs) == std::vector<std::string>{"/a"});
  CHECK(wheel.size() == 0);
  CHECK(wheel.empty());
  CHECK(wheel.advance(kStart + 5000 * kMs).empty());
  CHECK_FALSE(wheel.next_due().has_value());
}

TEST_CASE("wheel: several keys, ordered advances", "[timing_wheel]") {
  TimingWheel wheel(kStart);
  wheel.schedule("/c", kStart + 3 * kSec);
  wheel.schedule("/a", kStart + 1 * kSec);
  wheel.schedule("/b", kStart + 2 * kSec);
  wheel.schedule("/b2", kStart + 2 * kSec);
  CHECK(wheel.advance(kStart + 1500 * kMs) == std::vector<std::string>{"/a"});
  CHECK(sorted(wheel.advance(kStart + 2 * kSec)) == std::vector<std::string>{"/b", "/b2"});
  CHECK(wheel.size() == 1);
  CHECK(wheel.advance(kStart + 10 * kSec) == std::vector<std::string>{"/c"});
}

TEST_CASE("wheel: expiries in the past are due at the next advance", "[timing_wheel]") {
  TimingWheel wheel(kStart);
  wheel.schedule("/before-start", kStart - 5 * kSec);
  wheel.schedule("/at-start", kStart);
  wheel.schedule("/epoch", 0);
  wheel.schedule("/min", INT64_MIN);
  CHECK(wheel.next_due() == INT64_MIN);
  CHECK(sorted(wheel.advance(kStart)) ==
        std::vector<std::string>{"/at-start", "/before-start", "/epoch", "/min"});

  wheel.advance(kStart + 60 * kSec);
  wheel.schedule("/late", kStart + 30 * kSec);  // behind the cursor
  CHECK(wheel.next_due() == kStart + 30 * kSec);
  CHECK(wheel.advance(kStart + 60 * kSec) == std::vector<std::string>{"/late"});
}

TEST_CASE("wheel: advance_entries reports expiries", "[timing_wheel]") {
  TimingWheel wheel(kStart);
  wheel.schedule("/x", kStart + 7 * kMs);
  auto due = wheel.advance_entries(kStart + kSec);
  REQUIRE(due.size() == 1);
  CHECK(due[0].first == "/x");
  CHECK(due[0].second == kStart + 7 * kMs);
}

TEST_CASE("wheel: schedule replaces, cancel forgets", "[timing_wheel]") {
  TimingWheel wheel(kStart);
  wheel.schedule("/a", kStart + 1 * kSec);
  wheel.schedule("/a", kStart + 5 * kSec);
  CHECK(wheel.size() == 1);
  CHECK(wheel.expiry_of("/a") == kStart + 5 * kSec);
  CHECK(wheel.advance(kStart + 2 * kSec).empty());
  wheel.schedule("/a", kStart + 3 * kSec);  // earlier again
  CHECK(wheel.advance(kStart + 3 * kSec) == std::vector<std::string>{"/a"});

  wheel.schedule("/b", kStart + 4 * kSec);
  CHECK(wheel.cancel("/b"));
  CHECK_FALSE(wheel.cancel("/b"));
  CHECK_FALSE(wheel.cancel("/never"));
  CHECK_FALSE(wheel.expiry_of("/b").has_value());
  CHECK(wheel.size() == 0);
  CHECK_FALSE(wheel.next_due().has_value());
  CHECK(wheel.advance(kStart + 100 * kSec).empty());
}

TEST_CASE("wheel: very far future expiries (years, INT64_MAX)", "[timing_wheel]") {
  TimingWheel wheel(kStart, 10 * kMs);
  const int64_t ten_years = kStart + 10 * kYear + 123 * kMs + 7;
  wheel.schedule("/decade", ten_years);
  wheel.schedule("/end-of-time", INT64_MAX);
  wheel.schedule("/soon", kStart + kSec);

  CHECK(wheel.advance(kStart + kSec) == std::vector<std::string>{"/soon"});
  auto due = wheel.next_due();
  REQUIRE(due.has_value());
  CHECK(*due <= ten_years);

  // Jump straight to just before, then exactly to, the decade expiry.
  CHECK(wheel.advance(ten_years - 1).empty());
  CHECK(wheel.next_due() == ten_years);  // now in the ready list: exact
  CHECK(wheel.advance(ten_years) == std::vector<std::string>{"/decade"});
  CHECK(wheel.size() == 1);
  CHECK(wheel.advance(INT64_MAX - 1).empty());
  CHECK(wheel.advance(INT64_MAX) == std::vector<std::string>{"/end-of-time"});
}

TEST_CASE("wheel: extreme start times and 1 ns ticks", "[timing_wheel]") {
  TimingWheel wheel(INT64_MIN, 1);
  wheel.schedule("/max", INT64_MAX);
  wheel.schedule("/zero", 0);
  CHECK(wheel.advance(-1).empty());
  CHECK(wheel.advance(0) == std::vector<std::string>{"/zero"});
  CHECK(wheel.advance(INT64_MAX - 1).empty());
  CHECK(wheel.advance(INT64_MAX) == std::vector<std::string>{"/max"});
}

TEST_CASE("wheel: time going backwards is harmless", "[timing_wheel]") {
  TimingWheel wheel(kStart);
  wheel.schedule("/a", kStart + 100 * kSec);
  CHECK(wheel.advance(kStart + 50 * kSec).empty());
  CHECK(wheel.advance(kStart + 10 * kSec).empty());  // backwards
  CHECK(wheel.advance(kStart - kYear).empty());      // far backwards
  CHECK(wheel.size() == 1);

  // A key scheduled after the jump back, between the new "now" and the old cursor, is
  // still returned only once its own expiry passes.
  wheel.schedule("/b", kStart + 20 * kSec);
  CHECK(wheel.advance(kStart + 15 * kSec).empty());
  CHECK(wheel.advance(kStart + 20 * kSec) == std::vector<std::string>{"/b"});
  CHECK(wheel.advance(kStart + 100 * kSec) == std::vector<std::string>{"/a"});
}

TEST_CASE("wheel: next_due is a lower bound that tightens as time approaches", "[timing_wheel]") {
  TimingWheel wheel(kStart, 10 * kMs);
  CHECK_FALSE(wheel.next_due().has_value());
  const int64_t expiry = kStart + 3600 * kSec + 5 * kMs;
  wheel.schedule("/hour", expiry);
  for (int64_t now = kStart; now < expiry; now += 37 * kSec) {
    wheel.advance(now);
    auto due = wheel.next_due();
    REQUIRE(due.has_value());
    CHECK(*due <= expiry);
    CHECK(*due >= kStart);
  }
  wheel.advance(expiry - 200 * kMs);  // within 64 ticks: level 0, tick precision
  auto due = wheel.next_due();
  REQUIRE(due.has_value());
  CHECK(*due <= expiry);
  CHECK(*due > expiry - 10 * kMs);
}

TEST_CASE("wheel: many reschedules of one key leave no garbage", "[timing_wheel]") {
  TimingWheel wheel(kStart, 10 * kMs);
  std::mt19937_64 rng(7);
  for (int i = 0; i < 200000; ++i) {
    wheel.schedule("/k", kStart + static_cast<int64_t>(rng() % (10 * kYear)));
  }
  const int64_t final_expiry = kStart + 2 * kYear;
  wheel.schedule("/k", final_expiry);
  CHECK(wheel.size() == 1);
  // If stale entries lingered in earlier slots, next_due would point far before the real
  // expiry, and advancing past them would have to skip them.
  auto due = wheel.next_due();
  REQUIRE(due.has_value());
  CHECK(*due <= final_expiry);
  CHECK(*due > kStart + kYear);
  CHECK(wheel.advance(final_expiry - 1).empty());
  CHECK(wheel.advance(final_expiry) == std::vector<std::string>{"/k"});
  CHECK(wheel.empty());
}

TEST_CASE("wheel: a million keys", "[timing_wheel][slow]") {
  constexpr int kKeys = 1'000'000;
  TimingWheel wheel(kStart, 10 * kMs);
  std::mt19937_64 rng(42);
  std::vector<int64_t> expiry(kKeys);
  for (int i = 0; i < kKeys; ++i) {
    expiry[i] = kStart + static_cast<int64_t>(rng() % (3600 * kSec));
    wheel.schedule("/k" + std::to_string(i), expiry[i]);
  }
  REQUIRE(wheel.size() == kKeys);
  for (int i = 0; i < kKeys; i += 2) REQUIRE(wheel.cancel("/k" + std::to_string(i)));
  REQUIRE(wheel.size() == kKeys / 2);

  size_t seen = 0;
  bool all_on_time = true;
  for (int64_t now = kStart; now <= kStart + 3600 * kSec; now += 7 * kSec) {
    for (const auto& key : wheel.advance(now)) {
      int i = std::stoi(key.substr(2));
      all_on_time = all_on_time && (i % 2 == 1) && expiry[i] <= now && expiry[i] > now - 7 * kSec;
      ++seen;
    }
  }
  seen += wheel.advance(kStart + 3601 * kSec).size();
  CHECK(all_on_time);
  CHECK(seen == kKeys / 2);
  CHECK(wheel.empty());
}

// Randomised comparison against a trivially correct model.
namespace {
struct Model {
  std::map<std::string, int64_t> expiry;

  std::vector<std::string> advance(int64_t now) {
    std::vector<std::string> due;
    for (auto it = expiry.begin(); it != expiry.end();) {
      if (it->second <= now) {
        due.push_back(it->first);
        it = expiry.erase(it);
      } else {
        ++it;
      }
    }
    return due;
  }
  std::optional<int64_t> earliest() const {
    std::optional<int64_t> best;
    for (const auto& [key, t] : expiry) best = best ? std::min(*best, t) : t;
    return best;
  }
};

void run_model_test(uint64_t seed, int64_t tick_ns, int ops) {
  std::mt19937_64 rng(seed);
  int64_t now = kStart;
  TimingWheel wheel(now, tick_ns);
  Model model;
  // Offsets spanning ns to years, negative too.
  const int64_t spans[] = {1, 1000, kMs, 10 * kMs, kSec, 60 * kSec, 3600 * kSec, kYear};
  // Advances skip the year span so that 5000 ops cannot run the clock past INT64_MAX.
  auto offset = [&](bool allow_years = true) {
    int64_t span = spans[rng() % (std::size(spans) - (allow_years ? 0 : 1))];
    return static_cast<int64_t>(rng() % static_cast<uint64_t>(2 * span)) - span / 4;
  };
  for (int op = 0; op < ops; ++op) {
    INFO("seed " << seed << " op " << op);
    std::string key = "/k" + std::to_string(rng() % 300);
    switch (rng() % 10) {
      case 0:
      case 1:
      case 2:
      case 3: {
        int64_t t = now + offset();
        wheel.schedule(key, t);
        model.expiry[key] = t;
        break;
      }
      case 4: {
        bool had = model.expiry.erase(key) > 0;
        REQUIRE(wheel.cancel(key) == had);
        break;
      }
      case 5:
        now -= static_cast<int64_t>(rng() % static_cast<uint64_t>(kSec));
        [[fallthrough]];
      default: {
        now += offset(false);
        REQUIRE(sorted(wheel.advance(now)) == model.advance(now));  // model is key-sorted
      }
    }
    REQUIRE(wheel.size() == model.expiry.size());
    auto bound = wheel.next_due();
    auto earliest = model.earliest();
    REQUIRE(bound.has_value() == earliest.has_value());
    if (bound) REQUIRE(*bound <= *earliest);
  }
  // Drain everything.
  REQUIRE(sorted(wheel.advance(INT64_MAX)) == model.advance(INT64_MAX));
  REQUIRE(wheel.empty());
}
}  // namespace

TEST_CASE("wheel: randomised against a std::map model", "[timing_wheel]") {
  for (uint64_t seed = 1; seed <= 20; ++seed) run_model_test(seed, 10 * kMs, 5000);
}

TEST_CASE("wheel: randomised with 1 ns ticks (high levels busy)", "[timing_wheel]") {
  for (uint64_t seed = 100; seed <= 110; ++seed) run_model_test(seed, 1, 5000);
}

TEST_CASE("wheel: randomised with a std::multimap event-order model", "[timing_wheel]") {
  // Advances in small steps; every key must come out in the first advance whose now reaches
  // it, which the multimap (time -> key) model gives directly.
  std::mt19937_64 rng(2024);
  TimingWheel wheel(kStart, 10 * kMs);
  std::multimap<int64_t, std::string> by_time;
  std::map<std::string, std::multimap<int64_t, std::string>::iterator> where;
  int64_t now = kStart;
  for (int op = 0; op < 20000; ++op) {
    INFO("op " << op);
    std::string key = "/m" + std::to_string(rng() % 500);
    if (rng() % 3 != 0) {
      int64_t t = now + static_cast<int64_t>(rng() % (120 * kSec)) - kSec;
      if (auto it = where.find(key); it != where.end()) by_time.erase(it->second);
      where[key] = by_time.emplace(t, key);
      wheel.schedule(key, t);
    } else {
      now += static_cast<int64_t>(rng() % (3 * kSec));
      std::vector<std::string> expected;
      while (!by_time.empty() && by_time.begin()->first <= now) {
        expected.push_back(by_time.begin()->second);
        where.erase(by_time.begin()->second);
        by_time.erase(by_time.begin());
      }
      REQUIRE(sorted(wheel.advance(now)) == sorted(expected));
    }
    REQUIRE(wheel.size() == by_time.size());
  }
}

TEST_CASE("wheel: clear drops everything", "[timing_wheel]") {
  TimingWheel wheel(kStart);
  wheel.schedule("/a", kStart - 1);
  wheel.schedule("/b", kStart + kYear);
  wheel.clear();
  CHECK(wheel.empty());
  CHECK_FALSE(wheel.next_due().has_value());
  CHECK(wheel.advance(INT64_MAX).empty());
  wheel.schedule("/c", kStart + kSec);
  CHECK(wheel.advance(kStart + kSec) == std::vector<std::string>{"/c"});
}

TEST_CASE("wheel: move transfers the schedule and empties the source", "[timing_wheel]") {
  TimingWheel a(kStart);
  a.schedule("/x", kStart + kSec);
  a.schedule("/y", kStart + kYear);
  TimingWheel b(std::move(a));
  CHECK(b.size() == 2);
  CHECK(a.empty());  // NOLINT(bugprone-use-after-move): documented moved-from state
  CHECK(a.advance(INT64_MAX).empty());
  CHECK(b.advance(kStart + kSec) == std::vector<std::string>{"/x"});
  TimingWheel c(0);
  c.schedule("/z", 5);
  c = std::move(b);
  CHECK(c.size() == 1);
  CHECK(c.advance(kStart + kYear) == std::vector<std::string>{"/y"});
}
