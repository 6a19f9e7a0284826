#pragma once
// DNS messages (RFC 1035) for the two questions DNS SRV discovery asks (--discovery-srv,
// server/srv_discovery.h): SRV records of a service, and A records of their targets. Pure
// functions over bytes; the exchange itself is DnsResolver's.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace larch::transport {

inline constexpr uint16_t kDnsTypeA = 1;
inline constexpr uint16_t kDnsTypeSrv = 33;

struct SrvRecord {
  uint16_t priority = 0, weight = 0, port = 0;
  std::string target;  // as in the record, with its trailing dot ("m0.example.com.")
  bool operator==(const SrvRecord&) const = default;
};

struct DnsReply {
  int rcode = 0;                  // 0 no error, 3 no such name, ...
  std::vector<SrvRecord> srv;     // the SRV answers
  std::vector<std::string> ipv4;  // the A answers, dotted
};

// A query with recursion desired for `name` ("_etcd-server._tcp.example.com", a trailing dot
// optional) and `qtype`; nullopt when a label is empty or longer than 63 bytes.
std::optional<std::string> dns_query(uint16_t id, std::string_view name, uint16_t qtype);

// The reply to query `id`, or nullopt with *error when `packet` is not one (wrong id, not a
// response, truncated, a compression loop). Answers of other types are skipped.
std::optional<DnsReply> parse_dns_reply(std::string_view packet, uint16_t id, std::string* error);

}  // namespace larch::transport
