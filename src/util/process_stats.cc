#include "util/process_stats.h"

#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace larch::util {
namespace {

// The fields of /proc/self/stat after "(comm) ": field 3 (state) is element 0.
std::vector<std::string> stat_fields() {
  std::ifstream in("/proc/self/stat");
  std::string line;
  std::getline(in, line);
  auto close = line.rfind(')');
  std::vector<std::string> fields;
  if (close == std::string::npos) return fields;
  std::istringstream rest(line.substr(close + 1));
  for (std::string f; rest >> f;) fields.push_back(f);
  return fields;
}

uint64_t boot_time_seconds() {
  std::ifstream in("/proc/stat");
  for (std::string key; in >> key;) {
    if (key == "btime") {
      uint64_t t = 0;
      in >> t;
      return t;
    }
    in.ignore(1 << 20, '\n');
  }
  return 0;
}

}  // namespace

ProcessStats read_process_stats() {
  ProcessStats s;
  std::vector<std::string> f = stat_fields();
  double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  long page = sysconf(_SC_PAGESIZE);
  // man proc: utime (14), stime (15), starttime (22), vsize (23), rss (24); index = field - 3.
  if (f.size() > 21 && ticks > 0 && page > 0) {
    try {
      s.cpu_seconds = (std::stod(f[11]) + std::stod(f[12])) / ticks;
      s.start_time_seconds = static_cast<double>(boot_time_seconds()) + std::stod(f[19]) / ticks;
      s.virtual_bytes = std::stoull(f[20]);
      s.resident_bytes = std::stoull(f[21]) * static_cast<uint64_t>(page);
    } catch (const std::exception&) {  // not numbers: those figures stay 0
    }
  }
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    ++s.open_fds;
  }
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0) s.max_fds = lim.rlim_cur;
  return s;
}

}  // namespace larch::util
