#include "util/host_port.h"

namespace larch::util {

std::string host_port(std::string_view host, uint16_t port) {
  bool ipv6 = host.find(':') != std::string_view::npos;
  std::string out;
  if (ipv6) out += '[';
  out += host;
  if (ipv6) out += ']';
  return out + ":" + std::to_string(port);
}

}  // namespace larch::util
