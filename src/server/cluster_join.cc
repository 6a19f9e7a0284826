#include "server/cluster_join.h"

#include <algorithm>
#include <chrono>
#include <set>
#include <thread>

#include "transport/cluster_fetch.h"

namespace larch::server {

namespace {

std::set<std::string> url_set(const std::vector<config::Url>& urls) {
  std::set<std::string> out;
  for (const auto& u : urls) out.insert(u.text);
  return out;
}

// The peer URLs of the other members named in --initial-cluster.
std::vector<config::Url> other_peers(const config::Config& cfg) {
  std::set<std::string> own = url_set(cfg.initial_advertise_peer_urls);
  std::vector<config::Url> out;
  for (const auto& m : cfg.initial_cluster) {
    if (m.name != cfg.name && !own.count(m.peer_url.text)) out.push_back(m.peer_url);
  }
  return out;
}

// Turns the fetched list into an identity; error when this member is not in it.
JoinResult identity_from(const config::Config& cfg, const transport::FetchedCluster& fc) {
  JoinResult out;
  std::set<std::string> own = url_set(cfg.initial_advertise_peer_urls);
  out.identity.cluster_id = fc.cluster_id;
  out.identity.conf_index = fc.conf_index;
  for (const auto& f : fc.members) {
    http::MemberInfo m{f.id, f.name, f.peer_urls, f.client_urls};
    if (std::set<std::string>(f.peer_urls.begin(), f.peer_urls.end()) == own) {
      m.name = cfg.name;
      out.identity.self = m;
    }
    out.identity.members.push_back(std::move(m));
  }
  if (out.identity.self.id == 0) {
    out.error =
        "--initial-cluster-state existing: no member of the running cluster has this member's "
        "peer URLs; add it first (etcdctl member add / POST /v2/members)";
  }
  return out;
}

}  // namespace

std::optional<transport::FetchedCluster> fetch_members(const config::Url& peer,
                                                       boost::asio::ssl::context* peer_tls,
                                                       std::string* error) {
  if (peer.tls() && !peer_tls) {
    *error = "no TLS client context for an https peer URL";
    return std::nullopt;
  }
  return transport::fetch_cluster(peer.host, peer.port, std::chrono::milliseconds(2000), error,
                                  peer.tls() ? peer_tls : nullptr);
}

JoinResult join_cluster(const config::Config& cfg, boost::asio::ssl::context* peer_tls,
                        int timeout_ms) {
  auto peers = other_peers(cfg);
  if (peers.empty()) {
    return {"--initial-cluster-state existing: --initial-cluster names no other member to join",
            {}};
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  std::string last_error;
  while (true) {
    for (const auto& p : peers) {
      std::string error;
      auto fc = fetch_members(p, peer_tls, &error);
      if (fc) return identity_from(cfg, *fc);
      last_error = p.text + ": " + error;
    }
    if (std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return {
      "--initial-cluster-state existing: cannot reach a member of the cluster (" + last_error + ")",
      {}};
}

}  // namespace larch::server
