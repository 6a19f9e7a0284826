#pragma once
// Turns the pieces of a /v2/keys request into a KeyRequest, or the etcd validation error
// etcd would send, checking parameters in etcd's exact order (spec §1.4):
//   form syntax (210) -> prevIndex (203) -> waitIndex (203) -> recursive, sorted, wait,
//   dir, quorum, stream (209) -> wait on a non-GET (209) -> empty prevValue (201) ->
//   noValueOnSuccess (209) -> ttl (202) -> prevExist (209) -> refresh (209) ->
//   refresh with a value (211) -> refresh without ttl (212).
// Authorization (110) comes after this and is the caller's job. Pure: any thread.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "http/key_request.h"

namespace larch::http {

// A request validation error: send util::v2_error_body(code, cause, /*index=*/0) with
// util::v2_error_status(code). When cause is "http: POST too large" etcd also closes the
// connection.
struct ParseError {
  int code = 0;
  std::string cause;
};

using ParseOutcome = std::variant<KeyRequest, ParseError>;

// TTLs above this are clamped (100 years). etcd lets the nanosecond expiry overflow
// (ttl >= ~9.2e9 s expires at once); clamping keeps expiration_ns well inside int64.
inline constexpr uint64_t kMaxTtlSeconds = 3'155'760'000;

// method: the request method (the router has already answered 405 for others).
// key_path: decoded clean path after "/v2/keys" ("", "/", "/a/b", "/a/b/").
// raw_query: the undecoded query string (no '?'). content_type: the Content-Type header
// value ("" if absent). body: the request body (read only for PUT and POST).
// now_ns: this member's clock (Unix ns); expiration_ns = now_ns + ttl * 1e9.
//
// Operation choice (writes only): PUT per the table of spec §3.2.1 (prevExist=false ->
// kCreate; prevExist=true -> kUpdate, or kCompareAndSwap with prevValue / prevIndex>0;
// no prevExist -> kCompareAndSwap with prevValue / prevIndex>0, else kSet); POST ->
// kCreateInOrder (prevExist/prevValue/prevIndex validated, then ignored); DELETE ->
// kCompareAndDelete with prevValue / prevIndex>0, else kDelete. `refresh` is carried only
// for kSet/kUpdate/kCompareAndSwap (etcd's create ignores it); conditions only for
// kCompareAndSwap/kCompareAndDelete; dir/recursive for DELETE only on kDelete;
// expiration only for PUT/POST when a non-empty ttl was given.
ParseOutcome parse_key_request(KeyMethod method, std::string_view key_path,
                               std::string_view raw_query, std::string_view content_type,
                               std::string_view body, int64_t now_ns);

// Go's strconv.ParseBool: exactly 1 t T true TRUE True / 0 f F false FALSE False.
std::optional<bool> parse_go_bool(std::string_view s);
// Go's strconv.ParseUint(s, 10, 64): non-empty, digits only, no sign, no overflow.
std::optional<uint64_t> parse_go_uint(std::string_view s);

}  // namespace larch::http
