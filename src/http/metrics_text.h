#pragma once
// The body of GET /metrics in Prometheus' text format (0.0.4): the etcd metrics Larch has a
// meaning for, under etcd's names and help texts (server state, proposals, the raft log's
// fsync latency, watchers, expiries), this process's figures under the process collector's
// names, and a few larch_* gauges.
#include <string>

#include "http/api_options.h"
#include "http/kv_service.h"

namespace larch::http {

std::string render_metrics(const KvService& service, const ApiOptions& options);

// Appends this process's process_* figures (CPU, file descriptors, memory, start time), as
// Prometheus' process collector names them; the v2 proxy's /metrics ends with them too.
void render_process_metrics(std::string& out);

}  // namespace larch::http
