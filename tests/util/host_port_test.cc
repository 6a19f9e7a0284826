#include "util/host_port.h"

#include <catch2/catch.hpp>

TEST_CASE("host_port: Go's JoinHostPort") {
  CHECK(larch::util::host_port("127.0.0.1", 2379) == "127.0.0.1:2379");
  CHECK(larch::util::host_port("m0.example.com", 2380) == "m0.example.com:2380");
  CHECK(larch::util::host_port("::1", 2379) == "[::1]:2379");
}

TEST_CASE("split_host_port: Go's SplitHostPort") {
  std::string host;
  std::string_view port;
  CHECK(larch::util::split_host_port("127.0.0.1:2379", host, port));
  CHECK((host == "127.0.0.1" && port == "2379"));
  CHECK(larch::util::split_host_port("[::1]:2380", host, port));
  CHECK((host == "::1" && port == "2380"));
  CHECK(larch::util::split_host_port("m0:", host, port));  // the port's text is not checked
  CHECK((host == "m0" && port.empty()));
  CHECK_FALSE(larch::util::split_host_port("127.0.0.1", host, port));  // no port
  CHECK_FALSE(larch::util::split_host_port("::1", host, port));        // unbracketed colons
  CHECK_FALSE(larch::util::split_host_port("[::1]", host, port));
  CHECK_FALSE(larch::util::split_host_port("[::1", host, port));
  CHECK_FALSE(larch::util::split_host_port("", host, port));
}
