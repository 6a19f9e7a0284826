#include "config/env_file.h"

#include <catch2/catch.hpp>

using namespace larch::config;

TEST_CASE("looks_like_env_file checks the first significant line", "[envfile]") {
  CHECK(looks_like_env_file("#[Member]\n\nETCD_NAME=\"x\"\n"));
  CHECK(looks_like_env_file("  # c\nexport ETCD_NAME=x\n"));
  CHECK_FALSE(looks_like_env_file("name: x\n"));
  CHECK_FALSE(looks_like_env_file("# only comments\n"));
  CHECK_FALSE(looks_like_env_file(""));
  CHECK_FALSE(looks_like_env_file("ETCD_name=x\n"));
  CHECK_FALSE(looks_like_env_file("FOO=1\nETCD_NAME=x\n"));
  CHECK_FALSE(looks_like_env_file("ETCD_=x\n"));
}

TEST_CASE("parse_env_file handles quotes, comments and no expansion", "[envfile]") {
  auto r = parse_env_file(
      "#[Member]\n"
      "ETCD_NAME=\"envnode\"\n"
      "ETCD_DATA_DIR=plain.etcd\n"
      "\n"
      "  ETCD_WAL_DIR='single $HOME'\n"
      "ETCD_INITIAL_CLUSTER_TOKEN=\"a \\\"q\\\" $HOME\" # trailing comment\n"
      "#ETCD_CERT_FILE=\"/path/to/server.crt\"\n"
      "export ETCD_DEBUG=\"true\"\r\n"
      "ETCD_CORS=\"\"\n"
      "ETCD_NAME=\"second\"\n");
  REQUIRE(r.ok());
  auto& v = *r.value;
  CHECK(v.at("ETCD_NAME") == "second");
  CHECK(v.at("ETCD_DATA_DIR") == "plain.etcd");
  CHECK(v.at("ETCD_WAL_DIR") == "single $HOME");
  CHECK(v.at("ETCD_INITIAL_CLUSTER_TOKEN") == "a \"q\" $HOME");
  CHECK(v.at("ETCD_DEBUG") == "true");
  CHECK(v.at("ETCD_CORS").empty());
  CHECK(v.count("ETCD_CERT_FILE") == 0);
}

TEST_CASE("parse_env_file reports the bad line", "[envfile]") {
  auto r = parse_env_file("ETCD_NAME=x\nnot an assignment\n");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error == "line 2: expected NAME=value");
  CHECK(parse_env_file("ETCD_NAME=\"x\n").error == "line 1: unterminated quoted value");
  CHECK_FALSE(parse_env_file("ETCD_NAME=\"x\" y\n").ok());
  CHECK_FALSE(parse_env_file("ETCD NAME=x\n").ok());
}
