#pragma once
// Derived defaults and cross-field validation of a Config. Pure functions; any thread.
#include <optional>
#include <string>

#include "config/config.h"

namespace larch::config {

constexpr uint64_t kMaxElectionTimeoutMs = 50000;
constexpr uint64_t kMinHistorySize = 1000;  // etcd's own v2 event history length
constexpr uint64_t kMaxHistorySize = 100000000;

// Fills what etcd derives from other settings: an empty data_dir becomes "<name>.larch", an
// empty initial_cluster becomes "<name>=<each initial-advertise-peer-url>", and debug=true
// forces log_level "debug".
void apply_derived_defaults(Config& config);

// Checks everything except the initial-cluster membership rule, returning the first
// violation as one line. advertise_missing: --listen-client-urls was set explicitly (flag or
// environment) while --advertise-client-urls was not (etcd rejects that).
std::optional<std::string> validate_config(const Config& config, bool advertise_missing);

// The bootstrap rule: name must appear in initial_cluster, and when initial_cluster_state is
// "new" its peer URLs there must equal initial_advertise_peer_urls (compared as sorted
// strings; Larch does not resolve DNS names). Only meaningful when bootstrapping an empty
// data dir; etcd ignores --initial-cluster when restarting from existing data.
std::optional<std::string> validate_initial_cluster(const Config& config);

}  // namespace larch::config
