#pragma once
// The typed form of one /v2/keys request, produced once at the HTTP edge by
// parse_key_request() (key_request_parser.h). Plain value type: any thread.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "store/command.h"

namespace larch::http {

// The five methods /v2/keys accepts (anything else is a 405 from the router).
enum class KeyMethod { kGet, kHead, kPut, kPost, kDelete };

// "GET" -> kGet, ... (exact, upper-case, as Go compares); nullopt for any other method.
std::optional<KeyMethod> key_method_from(std::string_view method);
// kGet -> "GET", ...
std::string_view key_method_name(KeyMethod method);

struct KeyRequest {
  KeyMethod method = KeyMethod::kGet;
  // Normalised store key: "/" for the root, "/a/b" otherwise (trailing slash dropped).
  std::string key;
  // Decoded path after "/v2/keys" exactly as requested ("", "/", "/app/"): auth checks use
  // it verbatim, trailing slash included (spec §9.4).
  std::string raw_key;

  // Read/watch parameters (validated for every method, meaningful for GET/HEAD).
  bool recursive = false;
  bool sorted = false;
  // Linearizable read. Only ever true for GET: etcd turns GET+quorum into QGET, while
  // HEAD+quorum stays a local read.
  bool quorum = false;
  // Watch. Only ever true for GET, and false when quorum is set (quorum overrides wait).
  bool wait = false;
  bool stream = false;
  uint64_t wait_index = 0;  // 0 = from the next index
  bool no_value_on_success = false;

  // Fully built for PUT/POST/DELETE (op, key, value, dir, recursive, refresh, conditions,
  // expiration_ns, now_ns; request_id left 0 for the service to assign). Untouched
  // (default) for GET/HEAD.
  store::Command command;

  bool is_write() const {
    return method == KeyMethod::kPut || method == KeyMethod::kPost || method == KeyMethod::kDelete;
  }
};

}  // namespace larch::http
