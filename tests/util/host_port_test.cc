#include "util/host_port.h"

#include <catch2/catch.hpp>

TEST_CASE("host_port: Go's JoinHostPort") {
  CHECK(larch::util::host_port("127.0.0.1", 2379) == "127.0.0.1:2379");
  CHECK(larch::util::host_port("m0.example.com", 2380) == "m0.example.com:2380");
  CHECK(larch::util::host_port("::1", 2379) == "[::1]:2379");
}
