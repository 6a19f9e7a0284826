#include "util/v2_error.h"

#include <catch2/catch.hpp>
#include <string>

using namespace larch::util;

namespace {
struct Row {
  int code;
  const char* message;
  int status;
};

// Spec §7.2, verbatim.
const Row kTable[] = {
    {100, "Key not found", 404},
    {101, "Compare failed", 412},
    {102, "Not a file", 403},
    {103, "Reached the max number of peers in the cluster", 400},
    {104, "Not a directory", 400},
    {105, "Key already exists", 412},
    {106, "The prefix of given key is a keyword in etcd", 400},
    {107, "Root is read only", 400},
    {108, "Directory not empty", 403},
    {109, "Peer address has existed", 400},
    {110, "The request requires user authentication", 401},
    {200, "Value is Required in POST form", 400},
    {201, "PrevValue is Required in POST form", 400},
    {202, "The given TTL in POST form is not a number", 400},
    {203, "The given index in POST form is not a number", 400},
    {204, "Value or TTL is required in POST form", 400},
    {205, "The given timeout in POST form is not a number", 400},
    {206, "Name is required in POST form", 400},
    {207, "Index or value is required", 400},
    {208, "Index and value cannot both be specified", 400},
    {209, "Invalid field", 400},
    {210, "Invalid POST form", 400},
    {211, "Value provided on refresh", 400},
    {212, "A TTL must be provided on refresh", 400},
    {300, "Raft Internal Error", 500},
    {301, "During Leader Election", 500},
    {400, "watcher is cleared due to etcd recovery", 400},
    {401, "The event in requested index is outdated and cleared", 400},
    {402, "Standby Internal Error", 400},
    {403, "Invalid active size", 400},
    {404, "Standby remove delay", 400},
    {500, "Client Internal Error", 400},
};
}  // namespace

TEST_CASE("every error code has etcd's exact message and HTTP status", "[v2_error]") {
  for (const Row& row : kTable) {
    INFO("code " << row.code);
    CHECK(v2_error_message(row.code) == row.message);
    CHECK(v2_error_status(row.code) == row.status);
  }
}

TEST_CASE("unknown codes have no message and map to 400", "[v2_error]") {
  for (int code : {0, 99, 111, 213, 302, 405, 501, -1}) {
    INFO("code " << code);
    CHECK(v2_error_message(code).empty());
    CHECK(v2_error_status(code) == 400);
  }
}

TEST_CASE("named constants carry the right codes", "[v2_error]") {
  CHECK(ecode::kKeyNotFound == 100);
  CHECK(ecode::kTestFailed == 101);
  CHECK(ecode::kNotFile == 102);
  CHECK(ecode::kNotDir == 104);
  CHECK(ecode::kNodeExist == 105);
  CHECK(ecode::kRootReadOnly == 107);
  CHECK(ecode::kDirNotEmpty == 108);
  CHECK(ecode::kUnauthorized == 110);
  CHECK(ecode::kPrevValueRequired == 201);
  CHECK(ecode::kTtlNaN == 202);
  CHECK(ecode::kIndexNaN == 203);
  CHECK(ecode::kInvalidField == 209);
  CHECK(ecode::kInvalidForm == 210);
  CHECK(ecode::kRefreshValue == 211);
  CHECK(ecode::kRefreshTtlRequired == 212);
  CHECK(ecode::kRaftInternal == 300);
  CHECK(ecode::kLeaderElect == 301);
  CHECK(ecode::kEventIndexCleared == 401);
}

TEST_CASE("error body with a cause (spec examples)", "[v2_error]") {
  CHECK(v2_error_body(202, std::string("invalid value for \"ttl\""), 0) ==
        "{\"errorCode\":202,\"message\":\"The given TTL in POST form is not a number\","
        "\"cause\":\"invalid value for \\\"ttl\\\"\",\"index\":0}\n");
  CHECK(v2_error_body(300, std::string("etcdserver: request timed out"), 0) ==
        "{\"errorCode\":300,\"message\":\"Raft Internal Error\","
        "\"cause\":\"etcdserver: request timed out\",\"index\":0}\n");
  CHECK(v2_error_body(100, std::string("/expdir"), 95) ==
        "{\"errorCode\":100,\"message\":\"Key not found\",\"cause\":\"/expdir\",\"index\":95}\n");
}

TEST_CASE("error body escapes the cause the Go way", "[v2_error]") {
  CHECK(v2_error_body(101, std::string("[<a> != b&c]"), 7) ==
        "{\"errorCode\":101,\"message\":\"Compare failed\","
        "\"cause\":\"[\\u003ca\\u003e != b\\u0026c]\",\"index\":7}\n");
}

TEST_CASE("error body without a cause omits the field", "[v2_error]") {
  const std::string expected =
      "{\"errorCode\":102,\"message\":\"Not a file\",\"index\":18446744073709551615}\n";
  CHECK(v2_error_body(102, std::nullopt, UINT64_MAX) == expected);
  CHECK(v2_error_body(102, std::string(), UINT64_MAX) == expected);
}
