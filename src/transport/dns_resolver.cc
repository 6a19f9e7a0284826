#include "transport/dns_resolver.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <sstream>

#include "util/host_port.h"

namespace larch::transport {

std::string DnsResolver::failure(const std::string& name, const std::string& why) const {
  return "lookup " + name + (server_.empty() ? "" : " on " + server_) + ": " + why;
}

std::optional<DnsReply> DnsResolver::ask(const std::string& name, uint16_t qtype,
                                         std::string* error) {
  uint16_t id = next_id_++;
  auto query = dns_query(id, name, qtype);
  if (!query) {
    *error = failure(name, "invalid domain name");
    return std::nullopt;
  }
  auto packet = exchange_(*query);
  if (!packet) {
    *error = failure(name, "i/o timeout");
    return std::nullopt;
  }
  std::string why;
  auto reply = parse_dns_reply(*packet, id, &why);
  if (!reply) {
    *error = failure(name, why);
    return std::nullopt;
  }
  if (reply->rcode == 3) {
    *error = failure(name, "no such host");
    return std::nullopt;
  }
  if (reply->rcode != 0) {
    *error = failure(name, "server misbehaving");
    return std::nullopt;
  }
  return reply;
}

std::vector<SrvRecord> DnsResolver::srv(const std::string& name, std::string* error) {
  auto reply = ask(name, kDnsTypeSrv, error);
  if (reply && reply->srv.empty()) *error = failure(name, "no such host");
  return reply ? reply->srv : std::vector<SrvRecord>{};
}

std::vector<std::string> DnsResolver::ipv4(const std::string& name, std::string* error) {
  auto reply = ask(name, kDnsTypeA, error);
  if (reply && reply->ipv4.empty()) *error = failure(name, "no such host");
  return reply ? reply->ipv4 : std::vector<std::string>{};
}

DnsResolver::Exchange DnsResolver::udp(std::string host, uint16_t port,
                                       std::chrono::milliseconds timeout) {
  return [host = std::move(host), port,
          timeout](const std::string& query) -> std::optional<std::string> {
    sockaddr_storage addr{};
    socklen_t len = 0;
    auto* v4 = reinterpret_cast<sockaddr_in*>(&addr);
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&addr);
    if (inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
      v4->sin_family = AF_INET;
      v4->sin_port = htons(port);
      len = sizeof(sockaddr_in);
    } else if (inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
      v6->sin6_family = AF_INET6;
      v6->sin6_port = htons(port);
      len = sizeof(sockaddr_in6);
    } else {
      return std::nullopt;
    }
    int fd = ::socket(addr.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return std::nullopt;
    std::optional<std::string> out;
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), len) == 0) {
      for (int attempt = 0; attempt < 3 && !out; ++attempt) {
        if (::send(fd, query.data(), query.size(), 0) < 0) break;
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) continue;
        char buf[4096];
        ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n > 0) out = std::string(buf, static_cast<size_t>(n));
      }
    }
    ::close(fd);
    return out;
  };
}

std::pair<std::string, uint16_t> DnsResolver::parse_server(const std::string& server) {
  // Without a port: "host", "[v6]", or an unbracketed IPv6 literal ("::1"), as in resolv.conf.
  std::string host;
  std::string_view port_text;
  int port = 53;
  if (util::split_host_port(server, host, port_text)) {
    port = std::atoi(std::string(port_text).c_str());
  } else if (size_t close = server.find(']');
             !server.empty() && server.front() == '[' && close != std::string::npos) {
    host = server.substr(1, close - 1);
  } else {
    host = server;
  }
  return {host, static_cast<uint16_t>(port > 0 && port < 65536 ? port : 53)};
}

std::pair<std::string, uint16_t> DnsResolver::system_server(const std::string& env_server,
                                                            const std::string& resolv_conf_path) {
  if (!env_server.empty()) return parse_server(env_server);
  std::ifstream in(resolv_conf_path);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::string key, value;
    if (words >> key >> value && key == "nameserver") return {value, 53};
  }
  return {"127.0.0.1", 53};  // Go's default too
}

}  // namespace larch::transport
