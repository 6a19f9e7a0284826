#pragma once
// For the benchmark programs, which hold one socket per watcher (5000 and more): lifts the
// soft limit on open descriptors to the hard one.
#include <sys/resource.h>

inline void raise_fd_limit() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
  }
}
