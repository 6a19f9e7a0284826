#pragma once
// One address of a member's peer URL.
#include <cstdint>
#include <string>

namespace larch::transport {

struct PeerEndpoint {
  std::string host;
  uint16_t port = 0;
  bool tls = false;  // an https URL
  bool operator==(const PeerEndpoint&) const = default;
};

}  // namespace larch::transport
