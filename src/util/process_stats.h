#pragma once
// This process's resource figures for /metrics, named as Prometheus' process collector names
// them (process_cpu_seconds_total, process_resident_memory_bytes, ...): read from /proc/self
// and getrlimit on each call. A figure that cannot be read is left at 0.
#include <cstdint>

namespace larch::util {

struct ProcessStats {
  double cpu_seconds = 0;         // user + system
  uint64_t resident_bytes = 0;    // RSS
  uint64_t virtual_bytes = 0;     // VSZ
  uint64_t open_fds = 0;          // entries of /proc/self/fd
  uint64_t max_fds = 0;           // RLIMIT_NOFILE soft limit
  double start_time_seconds = 0;  // since the Unix epoch
};

ProcessStats read_process_stats();

}  // namespace larch::util
