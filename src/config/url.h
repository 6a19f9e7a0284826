#pragma once
// One URL from an etcd URL-list flag (--listen-client-urls, --initial-cluster, ...).
#include <cstdint>
#include <string>
#include <string_view>

#include "config/parse_result.h"

namespace larch::config {

struct Url {
  std::string scheme;  // "http" or "https" after validation (unix sockets are not supported)
  std::string host;    // IP literal (IPv6 without brackets), "localhost" or a DNS name
  uint16_t port = 0;   // 1..65535
  std::string text;    // the URL as given (trimmed), e.g. "http://127.0.0.1:2379"

  // "host:port" ("[::1]:2379" for IPv6), usable as an HTTP Host header.
  std::string authority() const;
  bool tls() const { return scheme == "https"; }
  bool operator==(const Url&) const = default;
};

enum class UrlRole {
  kListen,     // must bind: host must be an IP literal or "localhost"
  kAdvertise,  // announced to others: any host name is fine
};

// Parses one http or https URL of the form scheme://host:port with no path, query or user info.
// Errors are etcd-like reasons without the "invalid value ..." prefix.
ParseResult<Url> parse_url(std::string_view text, UrlRole role);

// True if s is an IPv4 or IPv6 literal (no brackets).
bool is_ip_literal(const std::string& s);

}  // namespace larch::config
