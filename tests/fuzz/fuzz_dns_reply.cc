// libFuzzer target: the DNS reply parser of --discovery-srv (any host on the path to the name
// server can send replies). Input: byte 0 and 1 the query id, the rest the reply. Contract:
// never crashes nor loops; a parsed reply's names are dotted and end with a dot; a reply to
// another id is never accepted.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "transport/dns_message.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  auto id = static_cast<uint16_t>((data[0] << 8) | data[1]);
  std::string_view reply(reinterpret_cast<const char*>(data) + 2, size - 2);
  std::string error;
  auto parsed = larch::transport::parse_dns_reply(reply, id, &error);
  if (!parsed) {
    if (error.empty()) std::abort();
    return 0;
  }
  if (reply.size() < 2 || static_cast<uint8_t>(reply[0]) != (id >> 8) ||
      static_cast<uint8_t>(reply[1]) != (id & 0xff)) {
    std::abort();
  }
  for (const auto& s : parsed->srv) {
    if (s.target.empty() || s.target.back() != '.') std::abort();
  }
  return 0;
}
