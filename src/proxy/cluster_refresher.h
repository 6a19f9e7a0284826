#pragma once
// Keeps a proxy's endpoints current (etcd's proxy refresh): asks the cluster's members, at
// their peer URLs, for the member list (GET /members), stores the peer URLs it learnt in the
// cluster file (so a restarted proxy finds the cluster even when it has moved away from its
// --initial-cluster), and makes every member's client URLs the endpoints. A refresh that finds
// no member leaves no endpoint (etcd's behaviour: the proxy answers 503 until the next one).
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "proxy/endpoint_set.h"
#include "transport/cluster_fetch.h"

namespace larch::proxy {

class ClusterRefresher {
 public:
  // GET /members from one peer URL (transport::fetch_cluster, or a test's script); nullopt
  // with a reason in *error when it did not answer.
  using Fetch = std::function<std::optional<transport::FetchedCluster>(const config::Url& peer,
                                                                       std::string* error)>;
  using Log = std::function<void(const std::string&)>;

  ClusterRefresher(std::vector<std::string> peer_urls, std::string proxy_dir,
                   EndpointSet& endpoints, Fetch fetch, Log log);

  // One refresh; true when a member answered.
  bool refresh_once();

  // The pause before the next refresh: `interval` (at least 100 ms), but 1 s while there is
  // no endpoint and the interval is etcd's default or longer (so a proxy started before its
  // cluster finds it soon).
  std::chrono::milliseconds next_pause(std::chrono::milliseconds interval) const;

  const std::vector<std::string>& peer_urls() const { return peer_urls_; }

  // The cluster file's peer URLs ({"PeerURLs":[...]}, as etcd writes it), or nullopt when
  // `proxy_dir` has none; *error is set when a file exists but does not parse.
  static std::optional<std::vector<std::string>> read_cluster_file(const std::string& proxy_dir,
                                                                   std::string* error);

 private:
  void store_peer_urls(const std::vector<std::string>& urls);

  std::vector<std::string> peer_urls_;
  std::string proxy_dir_;
  EndpointSet& endpoints_;
  Fetch fetch_;
  Log log_;
  bool announced_ = false;  // "endpoints found" is logged once
};

}  // namespace larch::proxy
