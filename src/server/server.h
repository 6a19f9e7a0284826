#pragma once
// Wires one member together and runs it until SIGINT/SIGTERM: data dir, stores, raft thread,
// watch hub, client listeners, I/O threads. The only place that sees every module.
#include <string>

#include "config/config.h"
#include "http/client_session.h"

namespace larch::server {

// Runs the member; returns the process exit code. Startup problems (bad data dir, port in
// use) are reported as one line on stderr and exit code 1.
int run_server(const config::Config& cfg);

// A client connection's limits from cfg (--max-request-bytes, --client-idle-timeout): the
// member's client sessions and the v2 proxy's.
http::SessionLimits client_limits(const config::Config& cfg);

}  // namespace larch::server
