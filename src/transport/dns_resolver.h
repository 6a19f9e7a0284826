#pragma once
// Asks a DNS server the questions of DNS SRV discovery (dns_message.h), over UDP, before a
// member starts serving. The server is the system's (the first "nameserver" of
// /etc/resolv.conf, port 53), or LARCH_DNS_SERVER=host:port when set (for tests, which run
// their own server on a free port; etcd has no such setting).
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "transport/dns_message.h"

namespace larch::transport {

class DnsResolver {
 public:
  // One exchange: the reply to `query`, or nullopt when none came in time.
  using Exchange = std::function<std::optional<std::string>(const std::string& query)>;

  // `server`: "host:port" for the error texts (Go's "lookup <name> on <server>: ..."); may be
  // empty.
  explicit DnsResolver(Exchange exchange, std::string server = {})
      : exchange_(std::move(exchange)), server_(std::move(server)) {}

  // The records of `name`, or none with *error ("lookup <name>: no such host", ...).
  std::vector<SrvRecord> srv(const std::string& name, std::string* error);
  std::vector<std::string> ipv4(const std::string& name, std::string* error);

  // UDP to host:port (an IPv4 or IPv6 literal), `timeout` per try, three tries.
  static Exchange udp(std::string host, uint16_t port, std::chrono::milliseconds timeout);
  // The server described above; `env_server` is LARCH_DNS_SERVER's value (may be empty).
  static std::pair<std::string, uint16_t> system_server(const std::string& env_server,
                                                        const std::string& resolv_conf_path);
  // LARCH_DNS_SERVER's forms: "host[:port]", "[v6][:port]", or a bare IPv6 literal; port 53
  // when absent or not in 1..65535.
  static std::pair<std::string, uint16_t> parse_server(const std::string& server);

 private:
  std::optional<DnsReply> ask(const std::string& name, uint16_t qtype, std::string* error);

  std::string failure(const std::string& name, const std::string& why) const;

  Exchange exchange_;
  std::string server_;
  uint16_t next_id_ = 0x4c41;
};

}  // namespace larch::transport
