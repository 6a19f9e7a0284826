#include "proxy/endpoint_set.h"

#include <algorithm>
#include <catch2/catch.hpp>

#include "../time_units.h"

using larch::proxy::EndpointSet;

namespace {

std::vector<std::string> texts(const std::vector<larch::config::Url>& urls) {
  std::vector<std::string> out;
  for (const auto& u : urls) out.push_back(u.text);
  return out;
}

std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

using larch::test::kMs;

}  // namespace

TEST_CASE("EndpointSet holds the refreshed URLs, shuffled, all available", "[proxy]") {
  EndpointSet set(std::chrono::milliseconds(5000), 1);
  std::vector<std::string> urls = {"http://127.0.0.1:1", "http://127.0.0.1:2", "http://127.0.0.1:3",
                                   "http://127.0.0.1:4"};
  CHECK(set.replace(urls).empty());
  CHECK(sorted(texts(set.available(0))) == urls);
  CHECK(sorted(set.all()) == urls);
  // Another seed gives another order for some refresh (the order is not fixed).
  bool differs = false;
  for (uint64_t seed = 2; seed < 20 && !differs; ++seed) {
    EndpointSet other(std::chrono::milliseconds(5000), seed);
    other.replace(urls);
    differs = other.all() != set.all();
  }
  CHECK(differs);
}

TEST_CASE("EndpointSet skips a failed endpoint for the failure wait", "[proxy]") {
  EndpointSet set(std::chrono::milliseconds(5000), 7);
  set.replace({"http://127.0.0.1:1", "http://127.0.0.1:2"});
  CHECK(set.mark_failed("http://127.0.0.1:1", 100 * kMs));
  CHECK_FALSE(set.mark_failed("http://127.0.0.1:1", 200 * kMs));  // already failed: no new log
  CHECK(texts(set.available(200 * kMs)) == std::vector<std::string>{"http://127.0.0.1:2"});
  CHECK(texts(set.available(5099 * kMs)) == std::vector<std::string>{"http://127.0.0.1:2"});
  CHECK(set.available(5100 * kMs).size() == 2);  // back after 5 s, to retest it
  CHECK(set.all().size() == 2);
  CHECK_FALSE(set.mark_failed("http://127.0.0.1:9", 0));  // not an endpoint
  // A refresh makes every endpoint available again.
  set.mark_failed("http://127.0.0.1:2", 6000 * kMs);
  set.replace({"http://127.0.0.1:1", "http://127.0.0.1:2"});
  CHECK(set.available(6001 * kMs).size() == 2);
}

TEST_CASE("EndpointSet skips URLs that do not parse, with a reason", "[proxy]") {
  EndpointSet set(std::chrono::milliseconds(1), 3);
  auto skipped = set.replace({"http://127.0.0.1:1", "ftp://x:1", "nonsense"});
  CHECK(skipped.size() == 2);
  for (const auto& s : skipped) CHECK(s.rfind("upstream URL invalid: ", 0) == 0);
  CHECK(set.all() == std::vector<std::string>{"http://127.0.0.1:1"});
  set.replace({});
  CHECK(set.available(0).empty());
}
