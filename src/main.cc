// larch: an etcd v2 compatible, strongly consistent key-value server.
#include <malloc.h>

#include <csignal>
#include <iostream>

#include "config/config_loader.h"
#include "server/server.h"
#include "util/log_line.h"

extern char** environ;

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  auto result = larch::config::load_config(args, larch::config::environment_map(environ));
  for (const auto& line : result.log) larch::util::log_line(line.text);
  switch (result.action) {
    case larch::config::LoadAction::kPrintVersion:
      std::cout << "larch Version: " << LARCH_VERSION << "\netcd API Version: 3.4.23 (v2)\n";
      return 0;
    case larch::config::LoadAction::kPrintUsage:
      std::cout << result.usage;
      return 0;
    case larch::config::LoadAction::kFail:
      larch::util::log_line(result.error);
      return 1;  // the brief: every configuration error exits with 1
    case larch::config::LoadAction::kRun:
      break;
  }
  std::signal(SIGPIPE, SIG_IGN);
  // A file-size limit (RLIMIT_FSIZE) reached by a data file then fails that write (EFBIG)
  // instead of killing the process without a word: the storage error reaches its thread,
  // which logs why the member stops (util/fail_stop.h).
  std::signal(SIGXFSZ, SIG_IGN);
  // Keep freed memory in the allocator: without this glibc hands the top of each thread's
  // arena back to the kernel (and then asks for it again, an mprotect each way) as requests
  // come and go, thousands of times a second under load.
  mallopt(M_TRIM_THRESHOLD, 64 << 20);
  mallopt(M_MMAP_THRESHOLD, 4 << 20);
  return larch::server::run_server(result.config);
}
