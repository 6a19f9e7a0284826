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

bool split_host_port(std::string_view hp, std::string& host, std::string_view& port) {
  if (!hp.empty() && hp.front() == '[') {
    auto close = hp.find(']');
    if (close == std::string_view::npos || close + 1 >= hp.size() || hp[close + 1] != ':') {
      return false;
    }
    host = std::string(hp.substr(1, close - 1));
    port = hp.substr(close + 2);
    return true;
  }
  auto colon = hp.rfind(':');
  if (colon == std::string_view::npos || hp.find(':') != colon) return false;
  host = std::string(hp.substr(0, colon));
  port = hp.substr(colon + 1);
  return true;
}

}  // namespace larch::util
