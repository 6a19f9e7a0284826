#pragma once
// The header and body rules of etcd's v2 proxy (httpproxy), as pure functions: which headers
// are hop-by-hop (never forwarded either way), the X-Forwarded-For chain, and the bodies of the
// proxy's own answers.
#include <string>
#include <string_view>
#include <vector>

namespace larch::proxy {

// Connection, Keep-Alive, Proxy-Authenticate, Proxy-Authorization, Te, Trailers,
// Transfer-Encoding, Upgrade (case-insensitive): removed from requests and responses.
bool is_hop_by_hop(std::string_view name);

// Access-Control-Allow-{Origin,Methods,Headers} (case-insensitive): the proxy sets its own
// (from its --cors), so a member's copies are not forwarded (etcd's proxy sends both sets,
// and a browser refuses a response with two Access-Control-Allow-Origin values).
bool is_cors_header(std::string_view name);

// The X-Forwarded-For value sent upstream: the values the client sent (a proxy behind another
// proxy), joined with ", ", then the client's address.
std::string forwarded_for(const std::vector<std::string_view>& prior, std::string_view client_ip);

// {"message":"httpproxy: <what>"}: the body of the proxy's 502 and 503 answers.
std::string error_body(std::string_view what);

// {"endpoints":["http://...",...]}\n: the body of GET /v2/config/local/proxy.
std::string endpoints_body(const std::vector<std::string>& urls);

// The path of a request target (up to '?'), and its query (after '?'; empty when none).
std::string_view target_path(std::string_view target);
std::string_view target_query(std::string_view target);

}  // namespace larch::proxy
