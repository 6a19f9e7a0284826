#include "config/value_parsers.h"

#include <array>
#include <limits>

namespace larch::config {

std::string trim(std::string_view s) {
  const char* ws = " \t\r\n";
  auto b = s.find_first_not_of(ws);
  if (b == std::string_view::npos) return {};
  auto e = s.find_last_not_of(ws);
  return std::string(s.substr(b, e - b + 1));
}

ParseResult<bool> parse_go_bool(std::string_view s) {
  static constexpr std::array<std::string_view, 6> kTrue{"1", "t", "T", "true", "TRUE", "True"};
  static constexpr std::array<std::string_view, 6> kFalse{"0", "f", "F", "false", "FALSE", "False"};
  for (auto t : kTrue) {
    if (s == t) return ParseResult<bool>::success(true);
  }
  for (auto f : kFalse) {
    if (s == f) return ParseResult<bool>::success(false);
  }
  return ParseResult<bool>::failure("parse error");
}

ParseResult<uint64_t> parse_decimal_uint(std::string_view s) {
  using R = ParseResult<uint64_t>;
  if (s.empty()) return R::failure("parse error");
  uint64_t v = 0;
  constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();
  for (char c : s) {
    if (c < '0' || c > '9') return R::failure("parse error");
    auto d = static_cast<uint64_t>(c - '0');
    if (v > (kMax - d) / 10) return R::failure("value out of range");
    v = v * 10 + d;
  }
  return R::success(v);
}

ParseResult<int64_t> parse_decimal_int(std::string_view s) {
  using R = ParseResult<int64_t>;
  bool negative = !s.empty() && s.front() == '-';
  auto magnitude = parse_decimal_uint(negative ? s.substr(1) : s);
  if (!magnitude.ok()) return R::failure(magnitude.error);
  constexpr auto kMax = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  if (*magnitude.value > kMax + (negative ? 1 : 0)) return R::failure("value out of range");
  if (!negative) return R::success(static_cast<int64_t>(*magnitude.value));
  return R::success(static_cast<int64_t>(0 - *magnitude.value));
}

std::vector<std::string> split_list(std::string_view s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    auto comma = s.find(',', start);
    if (comma == std::string_view::npos) comma = s.size();
    auto item = trim(s.substr(start, comma - start));
    if (!item.empty()) out.push_back(std::move(item));
    start = comma + 1;
  }
  return out;
}

ParseResult<std::vector<Url>> parse_url_list(std::string_view s, UrlRole role, bool allow_empty) {
  using R = ParseResult<std::vector<Url>>;
  std::vector<Url> urls;
  for (const auto& item : split_list(s)) {
    auto url = parse_url(item, role);
    if (!url.ok()) return R::failure(url.error);
    urls.push_back(std::move(*url.value));
  }
  if (urls.empty() && !allow_empty) return R::failure("URL list must not be empty");
  return R::success(std::move(urls));
}

ParseResult<std::vector<std::string>> parse_cors_list(std::string_view s) {
  using R = ParseResult<std::vector<std::string>>;
  std::vector<std::string> origins;
  for (auto& item : split_list(s)) {
    if (item != "*") {
      auto sep = item.find("://");
      std::string scheme = sep == std::string::npos ? "" : item.substr(0, sep);
      bool scheme_ok = scheme == "http" || scheme == "https";
      if (!scheme_ok || !parse_url("http://" + item.substr(sep + 3), UrlRole::kAdvertise).ok()) {
        return R::failure("CORS origin \"" + item + "\" must be \"*\" or scheme://host:port");
      }
    }
    origins.push_back(std::move(item));
  }
  return R::success(std::move(origins));
}

ParseResult<std::vector<InitialMember>> parse_initial_cluster(std::string_view s) {
  using R = ParseResult<std::vector<InitialMember>>;
  std::vector<InitialMember> members;
  for (const auto& item : split_list(s)) {
    auto eq = item.find('=');
    if (eq == std::string::npos || eq == 0) {
      return R::failure("entry \"" + item + "\" is not of the form name=peerURL");
    }
    auto url = parse_url(trim(item.substr(eq + 1)), UrlRole::kAdvertise);
    if (!url.ok()) return R::failure(url.error);
    members.push_back(InitialMember{trim(item.substr(0, eq)), std::move(*url.value)});
  }
  return R::success(std::move(members));
}

}  // namespace larch::config
