// libFuzzer target: everything a client controls in a /v2/keys request before it becomes a
// command — the raw request target (decoding, cleaning), the query, Content-Type and body.
// Input layout: byte 0 picks the method, then target, content type and body separated by
// '\n' (missing parts are empty). Contract: never crashes; every outcome is a KeyRequest or
// an etcd error code the spec lists.
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <variant>

#include "fuzz_input.h"
#include "http/key_request_parser.h"
#include "http/path_clean.h"

namespace {

using larch::fuzz::next_part;
bool known_code(int code) {
  switch (code) {
    case 201:
    case 202:
    case 203:
    case 209:
    case 210:
    case 211:
    case 212:
      return true;
    default:
      return false;
  }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using larch::http::KeyMethod;
  if (size == 0) return 0;
  static constexpr KeyMethod kMethods[] = {KeyMethod::kGet, KeyMethod::kHead, KeyMethod::kPut,
                                           KeyMethod::kPost, KeyMethod::kDelete};
  KeyMethod method = kMethods[data[0] % 5];
  std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::string_view target = next_part(rest);
  std::string_view content_type = next_part(rest);
  std::string_view body = rest;
  auto clean = larch::http::clean_request_target(target);
  if (clean.kind != larch::http::TargetKind::kServe) return 0;
  std::string_view path = clean.path;
  if (!path.starts_with("/v2/keys")) return 0;
  path.remove_prefix(8);
  auto out = larch::http::parse_key_request(method, path, clean.raw_query, content_type, body,
                                            1'800'000'000'000'000'000);
  if (auto* err = std::get_if<larch::http::ParseError>(&out)) {
    if (!known_code(err->code)) std::abort();
    return 0;
  }
  // A store key is absolute and normalised: "/" or "/a/b" (no empty segment, no trailing /).
  const std::string& key = std::get<larch::http::KeyRequest>(out).key;
  if (key.empty() || key[0] != '/') std::abort();
  if (key.size() > 1 && (key.back() == '/' || key.find("//") != std::string::npos)) std::abort();
  return 0;
}
