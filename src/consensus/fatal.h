#pragma once
// Fail fast on impossible states (a broken Raft invariant or corrupt storage): continuing
// could replicate or apply wrong data, so stop the process loudly.
#include <cstdio>
#include <cstdlib>

namespace larch::consensus {

[[noreturn]] inline void raft_fatal(const char* what) {
  std::fprintf(stderr, "larch raft fatal: %s\n", what);
  std::abort();
}

}  // namespace larch::consensus
