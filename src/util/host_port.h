#pragma once
// "host:port", with an IPv6 literal in brackets ("[::1]:2379"): Go's net.JoinHostPort, for
// URLs, Host headers and the addresses in log lines.
#include <cstdint>
#include <string>
#include <string_view>

namespace larch::util {

std::string host_port(std::string_view host, uint16_t port);
// Go's net.SplitHostPort: "host:port" or "[host]:port" into host (brackets removed) and the
// port's text (not checked). False without a port, or for an unbracketed host with a colon.
bool split_host_port(std::string_view hp, std::string& host, std::string_view& port);

}  // namespace larch::util
