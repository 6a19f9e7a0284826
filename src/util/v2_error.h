#pragma once
// etcd v2 error codes: message text, HTTP status, and the error JSON body.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace larch::util {

namespace ecode {
constexpr int kKeyNotFound = 100, kTestFailed = 101, kNotFile = 102, kNotDir = 104,
              kNodeExist = 105, kRootReadOnly = 107, kDirNotEmpty = 108, kUnauthorized = 110,
              kPrevValueRequired = 201, kTtlNaN = 202, kIndexNaN = 203, kInvalidField = 209,
              kInvalidForm = 210, kRefreshValue = 211, kRefreshTtlRequired = 212,
              kRaftInternal = 300, kLeaderElect = 301, kEventIndexCleared = 401;
}

// Exact etcd message for an error code ("Key not found", ...); "" for unknown codes.
std::string_view v2_error_message(int code);

// HTTP status etcd sends for the code: 100->404, 101->412, 102->403, 105->412, 108->403,
// 110->401, 300/301->500, everything else 400.
int v2_error_status(int code);

// {"errorCode":..,"message":..,"cause":..,"index":..}\n  (cause omitted when nullopt or empty)
std::string v2_error_body(int code, const std::optional<std::string>& cause, uint64_t index);

// {"message":..}  (no newline): etcd's httptypes.HTTPError, the error body of its
// /v2/members, /v2/auth and other non-keys endpoints.
std::string v2_message_body(std::string_view message);

}  // namespace larch::util
