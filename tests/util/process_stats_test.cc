#include "util/process_stats.h"

#include <fcntl.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <ctime>

using larch::util::read_process_stats;

TEST_CASE("process stats: this test process's figures from /proc") {
  auto before = read_process_stats();
  int fd = open("/dev/null", O_RDONLY);
  REQUIRE(fd >= 0);
  auto after = read_process_stats();
  close(fd);
  CHECK(after.open_fds == before.open_fds + 1);
  CHECK(after.max_fds >= after.open_fds);
  CHECK(after.resident_bytes > 1u << 20);
  CHECK(after.virtual_bytes >= after.resident_bytes);
  CHECK(after.cpu_seconds >= 0);
  double now = static_cast<double>(std::time(nullptr));
  CHECK(after.start_time_seconds <= now + 1);
  CHECK(after.start_time_seconds > now - 3600);
}
