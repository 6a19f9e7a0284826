#pragma once
// "host:port", with an IPv6 literal in brackets ("[::1]:2379"): Go's net.JoinHostPort, for
// URLs, Host headers and the addresses in log lines.
#include <cstdint>
#include <string>
#include <string_view>

namespace larch::util {

std::string host_port(std::string_view host, uint16_t port);

}  // namespace larch::util
