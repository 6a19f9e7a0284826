#include "server/srv_discovery.h"

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <cstdlib>
#include <memory>
#include <set>

#include "config/url.h"
#include "transport/dns_resolver.h"
#include "util/host_port.h"

namespace larch::server {
namespace {

struct ServiceResult {
  std::string error;  // empty when it added entries
  bool had_records = false;
};

// One service's records as initial-cluster entries (etcd's updateNodeMap); `own` holds this
// member's advertised addresses ("ip:port") with the scheme of each.
ServiceResult add_service(const std::string& service, const std::string& scheme,
                          const std::string& domain, const std::string& self_name,
                          const std::vector<std::pair<std::string, std::string>>& own,
                          const SrvLookup& lookup, SrvCluster& out) {
  std::string err;
  std::vector<transport::SrvRecord> records = lookup.srv("_" + service + "._tcp." + domain, &err);
  int temp_name = 0;
  size_t before = out.entries.size();
  for (const auto& r : records) {
    std::string host = r.target;
    if (!host.empty() && host.back() == '.') host.pop_back();
    std::vector<std::string> ips = lookup.resolve(host);
    if (ips.empty()) {
      err = "lookup " + host + ": no such host";
      continue;
    }
    const std::string* own_scheme = nullptr;
    for (const auto& [addr, s] : own) {
      for (const auto& ip : ips) {
        if (addr == util::host_port(ip, r.port)) own_scheme = &s;
      }
    }
    std::string url_host = util::host_port(host, r.port);
    if (own_scheme && *own_scheme != scheme) {
      err = "bootstrap at " + scheme + "://" + url_host + " from DNS for " + service +
            " has scheme mismatch with expected peer " + *own_scheme + "://" + url_host;
      continue;
    }
    std::string name = own_scheme ? self_name : std::to_string(temp_name++);
    out.entries.push_back(name + "=" + scheme + "://" + url_host);
    out.log.push_back("got bootstrap from DNS for " + service + " at " + out.entries.back());
  }
  if (out.entries.size() > before) return {};
  return {"error querying DNS SRV records for _" + service + " " + err, !records.empty()};
}

}  // namespace

SrvCluster srv_cluster(const config::Config& cfg, const SrvLookup& lookup, bool member) {
  SrvCluster out;
  std::vector<std::pair<std::string, std::string>> own;
  for (const auto& u : cfg.initial_advertise_peer_urls) {
    for (const auto& ip : lookup.resolve(u.host))
      own.emplace_back(util::host_port(ip, u.port), u.scheme);
  }
  std::string suffix = cfg.discovery_srv_name.empty() ? "" : "-" + cfg.discovery_srv_name;
  ServiceResult https = add_service("etcd-server-ssl" + suffix, "https", cfg.discovery_srv,
                                    cfg.name, own, lookup, out);
  ServiceResult http =
      add_service("etcd-server" + suffix, "http", cfg.discovery_srv, cfg.name, own, lookup, out);
  if (out.entries.empty()) {
    // etcd reports the first lookup's failure; when only the second service has records,
    // why none of them could be used says more.
    out.error = http.had_records && !https.had_records ? http.error : https.error;
    return out;
  }
  bool found = std::any_of(out.entries.begin(), out.entries.end(), [&cfg](const std::string& e) {
    return e.rfind(cfg.name + "=", 0) == 0;
  });
  if (member && !found) {
    out.error = "cannot find local etcd member \"" + cfg.name + "\" in SRV records";
  }
  return out;
}

SrvLookup system_srv_lookup() {
  const char* env = std::getenv("LARCH_DNS_SERVER");
  auto [host, port] = transport::DnsResolver::system_server(env ? env : "", "/etc/resolv.conf");
  std::string label = util::host_port(host, port);
  auto resolver = std::make_shared<transport::DnsResolver>(
      transport::DnsResolver::udp(host, port, std::chrono::milliseconds(1000)), label);
  SrvLookup out;
  out.srv = [resolver](const std::string& name, std::string* error) {
    return resolver->srv(name, error);
  };
  out.resolve = [resolver](const std::string& h) -> std::vector<std::string> {
    if (config::is_ip_literal(h)) return {h};
    std::string ignored;
    std::vector<std::string> ips = resolver->ipv4(h, &ignored);
    if (!ips.empty()) return ips;
    boost::asio::io_context ioc;
    boost::asio::ip::tcp::resolver system(ioc);
    boost::system::error_code ec;
    std::set<std::string> found;
    for (const auto& entry : system.resolve(h, "", ec)) {
      found.insert(entry.endpoint().address().to_string());
    }
    return {found.begin(), found.end()};
  };
  return out;
}

}  // namespace larch::server
