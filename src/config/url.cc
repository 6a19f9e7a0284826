#include "config/url.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>

#include "util/host_port.h"

namespace larch::config {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool is_host_name(std::string_view h) {
  return !h.empty() && std::all_of(h.begin(), h.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '.' || c == '-' || c == '_';
  });
}

ParseResult<uint16_t> parse_port(std::string_view p, const std::string& text) {
  auto bad = [&] {
    return ParseResult<uint16_t>::failure("invalid port in URL (must be 1-65535): " + text);
  };
  if (p.empty() || p.size() > 5) return bad();
  unsigned v = 0;
  for (char c : p) {
    if (c < '0' || c > '9') return bad();
    v = v * 10 + static_cast<unsigned>(c - '0');
  }
  if (v == 0 || v > 65535) return bad();
  return ParseResult<uint16_t>::success(static_cast<uint16_t>(v));
}

// util::split_host_port, where brackets may only hold an IPv6 literal.
bool split_url_host_port(std::string_view hp, std::string& host, std::string_view& port) {
  if (!util::split_host_port(hp, host, port)) return false;
  return hp.front() != '[' || (is_ip_literal(host) && host.find(':') != std::string::npos);
}

}  // namespace

bool is_ip_literal(const std::string& s) {
  unsigned char buf[16];
  return inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

std::string Url::authority() const {
  return util::host_port(host, port);
}

ParseResult<Url> parse_url(std::string_view raw, UrlRole role) {
  using R = ParseResult<Url>;
  Url url;
  url.text = std::string(raw);
  auto sep = raw.find("://");
  if (sep == std::string_view::npos || sep == 0) {
    return R::failure("URL scheme must be http, https, unix, or unixs: " + url.text);
  }
  url.scheme = lower(raw.substr(0, sep));
  if (url.scheme == "unix" || url.scheme == "unixs") {
    return R::failure(url.scheme +
                      " URLs are not supported yet by larch (only http and https): " + url.text);
  }
  if (url.scheme != "http" && url.scheme != "https") {
    return R::failure("URL scheme must be http, https, unix, or unixs: " + url.text);
  }
  std::string_view rest = raw.substr(sep + 3);
  if (rest.find_first_of("/?#") != std::string_view::npos) {
    return R::failure("URL must not contain a path: " + url.text);
  }
  if (rest.find('@') != std::string_view::npos) {
    return R::failure("URL must not contain user information: " + url.text);
  }
  std::string_view port;
  if (!split_url_host_port(rest, url.host, port)) {
    return R::failure("URL address does not have the form \"host:port\": " + url.text);
  }
  auto p = parse_port(port, url.text);
  if (!p.ok()) return R::failure(p.error);
  url.port = *p.value;
  if (url.host.empty()) return R::failure("URL has no host: " + url.text);
  bool ip = is_ip_literal(url.host);
  if (role == UrlRole::kListen && !ip && lower(url.host) != "localhost") {
    return R::failure("expected IP in URL for binding (" + url.text + ")");
  }
  if (!ip && !is_host_name(url.host)) return R::failure("invalid host in URL: " + url.text);
  return R::success(std::move(url));
}

}  // namespace larch::config
