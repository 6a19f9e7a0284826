#include "config/arg_parser.h"

#include <catch2/catch.hpp>

using namespace larch::config;
using Flags = std::vector<std::pair<std::string, std::string>>;

TEST_CASE("parse_args accepts all four Go flag syntaxes", "[args]") {
  auto p = parse_args({"-name", "a", "-data-dir=b", "--wal-dir", "c", "--initial-cluster-token=d"});
  REQUIRE(p.error.empty());
  CHECK(p.flags ==
        Flags{{"name", "a"}, {"data-dir", "b"}, {"wal-dir", "c"}, {"initial-cluster-token", "d"}});
  CHECK(p.positional.empty());
  CHECK_FALSE(p.help);
}

TEST_CASE("parse_args: booleans may be bare but never take a separate value", "[args]") {
  auto p = parse_args({"--enable-v2", "--debug=false", "-linearizable-reads"});
  REQUIRE(p.error.empty());
  CHECK(p.flags ==
        Flags{{"enable-v2", "true"}, {"debug", "false"}, {"linearizable-reads", "true"}});

  auto q = parse_args({"--enable-v2", "true"});
  REQUIRE(q.error.empty());
  CHECK(q.positional == std::vector<std::string>{"true"});
}

TEST_CASE("parse_args keeps repeated flags in order", "[args]") {
  auto p = parse_args({"--initial-cluster-state", "new", "-initial-cluster-state=existing"});
  REQUIRE(p.flags.size() == 2);
  CHECK(p.flags[1].second == "existing");
}

TEST_CASE("parse_args: a value may start with a dash and may be empty", "[args]") {
  auto p = parse_args({"--name", "-x", "--wal-dir="});
  REQUIRE(p.error.empty());
  CHECK(p.flags == Flags{{"name", "-x"}, {"wal-dir", ""}});
}

TEST_CASE("parse_args reports Go's errors", "[args]") {
  CHECK(parse_args({"--bogus"}).error == "flag provided but not defined: -bogus");
  CHECK(parse_args({"--bogus=1"}).error == "flag provided but not defined: -bogus");
  CHECK(parse_args({"--name"}).error == "flag needs an argument: -name");
  CHECK(parse_args({"---name", "x"}).error == "bad flag syntax: ---name");
  CHECK(parse_args({"-=x"}).error == "bad flag syntax: -=x");
}

TEST_CASE("parse_args stops at the first positional argument or --", "[args]") {
  auto p = parse_args({"--name", "x", "foo", "--debug"});
  REQUIRE(p.error.empty());
  CHECK(p.flags.size() == 1);
  CHECK(p.positional == std::vector<std::string>{"foo", "--debug"});

  auto q = parse_args({"--", "--name"});
  CHECK(q.flags.empty());
  CHECK(q.positional == std::vector<std::string>{"--name"});

  CHECK(parse_args({"-"}).positional == std::vector<std::string>{"-"});
}

TEST_CASE("parse_args recognises -h, -help and --help", "[args]") {
  CHECK(parse_args({"-h"}).help);
  CHECK(parse_args({"--help"}).help);
  CHECK(parse_args({"--name", "x", "-help", "--bogus"}).help);
  CHECK_FALSE(parse_args({"--bogus", "-h"}).help);
}
