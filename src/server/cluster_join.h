#pragma once
// Joining a running cluster (--initial-cluster-state existing, after `etcdctl member add` /
// POST /v2/members): asks the other members named in --initial-cluster for the cluster's
// current member list over their peer URLs (GET /members) and finds this member in it by its
// --initial-advertise-peer-urls. The list comes with the raft index it reflects, so the
// member can seed its member table and take only later changes from the log.
#include <boost/asio/ssl/context.hpp>
#include <optional>
#include <string>

#include "config/config.h"
#include "server/kv_server.h"
#include "transport/cluster_fetch.h"

namespace larch::server {

struct JoinResult {
  std::string error;  // non-empty: cannot join (no member reachable, not added, ...)
  Identity identity;  // cluster id, this member, every member, conf_index
};

// GET /members at one peer URL within 2 s, over TLS with `peer_tls` for an https URL
// (without it the URL counts as unreachable); nullopt with the reason in *error.
std::optional<transport::FetchedCluster> fetch_members(const config::Url& peer,
                                                       boost::asio::ssl::context* peer_tls,
                                                       std::string* error);

// Tries each other member in turn until one answers or `timeout_ms` has passed. Members with
// https peer URLs are asked over TLS with `peer_tls` (the peer client context); without it
// they count as unreachable.
JoinResult join_cluster(const config::Config& cfg, boost::asio::ssl::context* peer_tls = nullptr,
                        int timeout_ms = 10'000);

}  // namespace larch::server
