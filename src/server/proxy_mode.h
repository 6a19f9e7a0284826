#pragma once
// Runs this process as etcd's v2 proxy instead of a member (--proxy on|readonly, a data dir
// initialised as a proxy, or --discovery finding a full cluster with
// --discovery-fallback=proxy): no raft, no store; client requests on --listen-client-urls are
// forwarded to the cluster's members (proxy/proxy_session.h), whose client URLs are learnt
// from their peer URLs and refreshed every --proxy-refresh-interval
// (proxy/cluster_refresher.h). The peer URLs come from <data-dir>/proxy/cluster when a
// previous run wrote it, else from `initial_peer_urls`.
#include <boost/asio/ssl/context.hpp>
#include <string>
#include <vector>

#include "config/config.h"
#include "server/tls_setup.h"

namespace larch::server {

// Until SIGINT/SIGTERM; returns the process exit code (1 after a one-line error). `tls`: the
// contexts built from cfg (https listeners use its client listener context; https peer URLs
// its peer client context).
int run_proxy(const config::Config& cfg, std::vector<std::string> initial_peer_urls,
              const TlsSetup& tls);

// --initial-cluster's peer URLs, sorted (etcd's URLsMap.URLs()).
std::vector<std::string> initial_peer_urls(const config::Config& cfg);

}  // namespace larch::server
