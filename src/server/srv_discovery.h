#pragma once
// DNS SRV discovery (--discovery-srv, etcd 3.4's srv.GetCluster): the initial cluster is read
// from the SRV records _etcd-server-ssl[-<srv name>]._tcp.<domain> (https peer URLs) and
// _etcd-server[-<srv name>]._tcp.<domain> (http), each record one member at target:port.
// The record whose target resolves to this member's --initial-advertise-peer-urls address
// (IP and port) gets this member's name; the others are named 0, 1, ... until they publish
// their own (their ids, like every member's, derive from the URLs, so every member computes
// the same). A member must find itself among the records; a proxy need not.
#include <functional>
#include <string>
#include <vector>

#include "config/config.h"
#include "transport/dns_message.h"

namespace larch::server {

struct SrvLookup {
  // The SRV records of a full service name ("_etcd-server._tcp.example.com"); none with
  // *error when the lookup failed.
  std::function<std::vector<transport::SrvRecord>(const std::string& name, std::string* error)> srv;
  // The IP addresses of a host name (an IP literal is its own); none when it does not resolve.
  std::function<std::vector<std::string>(const std::string& host)> resolve;
};

struct SrvCluster {
  std::string error;                 // non-empty: etcd's words
  std::vector<std::string> entries;  // "name=scheme://host:port", https records first
  std::vector<std::string> log;      // "got bootstrap from DNS for etcd-server at ..."
};

// `member`: true for a member (it must be among the records), false for a proxy.
SrvCluster srv_cluster(const config::Config& cfg, const SrvLookup& lookup, bool member);

// The lookups against the system's DNS server (transport::DnsResolver; LARCH_DNS_SERVER for
// tests), falling back to getaddrinfo for host names that server does not know.
SrvLookup system_srv_lookup();

}  // namespace larch::server
