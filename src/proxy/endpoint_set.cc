#include "proxy/endpoint_set.h"

#include <algorithm>

namespace larch::proxy {

EndpointSet::EndpointSet(std::chrono::milliseconds failure_wait, uint64_t seed)
    : failure_wait_ns_(std::chrono::duration_cast<std::chrono::nanoseconds>(failure_wait).count()),
      rng_(seed) {}

std::vector<std::string> EndpointSet::replace(const std::vector<std::string>& urls) {
  std::vector<std::string> skipped;
  std::vector<Entry> fresh;
  for (const auto& text : urls) {
    auto parsed = config::parse_url(text, config::UrlRole::kAdvertise);
    if (!parsed.ok()) {
      skipped.push_back("upstream URL invalid: " + parsed.error);
      continue;
    }
    fresh.push_back(Entry{*parsed.value, 0});
  }
  std::lock_guard lock(mu_);
  std::shuffle(fresh.begin(), fresh.end(), rng_);
  eps_ = std::move(fresh);
  return skipped;
}

std::vector<config::Url> EndpointSet::available(int64_t now_ns) const {
  std::lock_guard lock(mu_);
  std::vector<config::Url> out;
  for (const auto& e : eps_) {
    if (now_ns >= e.failed_until_ns) out.push_back(e.url);
  }
  return out;
}

std::vector<std::string> EndpointSet::all() const {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  for (const auto& e : eps_) out.push_back(e.url.text);
  return out;
}

bool EndpointSet::mark_failed(const std::string& url, int64_t now_ns) {
  std::lock_guard lock(mu_);
  for (auto& e : eps_) {
    if (e.url.text != url) continue;
    bool was_available = now_ns >= e.failed_until_ns;
    if (was_available) e.failed_until_ns = now_ns + failure_wait_ns_;
    return was_available;
  }
  return false;
}

}  // namespace larch::proxy
