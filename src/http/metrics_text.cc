#include "http/metrics_text.h"

#include <cstdio>

#include "util/member_id.h"
#include "util/metric_header.h"
#include "util/process_stats.h"

namespace larch::http {
namespace {

// Appends one single-sample metric: HELP, TYPE and `name{labels} value`.
class MetricsWriter {
 public:
  explicit MetricsWriter(std::string& out) : out_(out) {}

  void sample(const char* type, const char* name, const char* help, double value,
              const std::string& labels = {}) {
    util::append_metric_header(out_, name, help, type);
    out_.append(name);
    if (!labels.empty()) out_.append("{").append(labels).append("}");
    char buf[32];
    int n = std::snprintf(buf, sizeof buf, " %.17g\n", value);
    out_.append(buf, static_cast<size_t>(n));
  }
  void gauge(const char* name, const char* help, double value, const std::string& labels = {}) {
    sample("gauge", name, help, value, labels);
  }
  void counter(const char* name, const char* help, double value) {
    sample("counter", name, help, value);
  }

 private:
  std::string& out_;
};

void process_metrics_into(MetricsWriter& w) {
  util::ProcessStats p = util::read_process_stats();
  w.counter("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.",
            p.cpu_seconds);
  w.gauge("process_max_fds", "Maximum number of open file descriptors.",
          static_cast<double>(p.max_fds));
  w.gauge("process_open_fds", "Number of open file descriptors.", static_cast<double>(p.open_fds));
  w.gauge("process_resident_memory_bytes", "Resident memory size in bytes.",
          static_cast<double>(p.resident_bytes));
  w.gauge("process_start_time_seconds", "Start time of the process since unix epoch in seconds.",
          p.start_time_seconds);
  w.gauge("process_virtual_memory_bytes", "Virtual memory size in bytes.",
          static_cast<double>(p.virtual_bytes));
}

}  // namespace

void render_process_metrics(std::string& out) {
  MetricsWriter w(out);
  process_metrics_into(w);
}

std::string render_metrics(const KvService& service, const ApiOptions& options) {
  RaftStatus rs = service.raft_status();
  ProposalCounts proposals = service.proposal_counts();
  StoreCounters c = service.counters();
  std::string b;
  MetricsWriter w(b);
  w.gauge("etcd_server_has_leader", "Whether or not a leader exists. 1 is existence, 0 is not.",
          rs.has_leader);
  w.gauge("etcd_server_is_leader", "Whether or not this member is a leader. 1 if is, 0 otherwise.",
          rs.is_leader);
  w.gauge("etcd_server_id",
          "Server or member ID in hexadecimal format. 1 for 'server_id' label with current ID.", 1,
          "server_id=\"" + util::id_hex(service.self().id) + "\"");
  w.gauge("etcd_server_version",
          "Which version is running. 1 for 'server_version' label with current version.", 1,
          "server_version=\"" + options.server_version + "\"");
  w.counter("etcd_server_leader_changes_seen_total", "The number of leader changes seen.",
            static_cast<double>(rs.leader_changes));
  w.gauge("etcd_server_proposals_committed_total",
          "The total number of consensus proposals committed.",
          static_cast<double>(rs.commit_index));
  w.gauge("etcd_server_proposals_applied_total", "The total number of consensus proposals applied.",
          static_cast<double>(rs.applied_index));
  w.gauge("etcd_server_proposals_pending", "The current number of pending proposals to commit.",
          static_cast<double>(proposals.pending));
  w.counter("etcd_server_proposals_failed_total", "The total number of failed proposals seen.",
            static_cast<double>(proposals.failed));
  if (const util::Histogram* h = service.log_sync_durations()) {
    h->render(b, "etcd_disk_wal_fsync_duration_seconds",
              "The latency distributions of fsync called by WAL.");
  }
  w.gauge("etcd_debugging_store_watchers", "Count of currently active watchers.",
          static_cast<double>(service.watcher_count()));
  w.counter("etcd_debugging_store_expires_total", "Total number of expired keys.",
            static_cast<double>(c.expire_count));
  w.gauge("larch_raft_commit_index", "Raft commit index.", static_cast<double>(rs.commit_index));
  w.gauge("larch_raft_term", "Raft term.", static_cast<double>(rs.term));
  process_metrics_into(w);
  return b;
}

}  // namespace larch::http
