#pragma once
// JSON output byte-compatible with Go's encoding/json, which etcd uses:
// <, >, & escaped as \u003c \u003e \u0026; U+2028/2029 escaped; invalid UTF-8 -> \ufffd.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace larch::util {

// Length (1-4) of the valid UTF-8 sequence at s[i] as Go's utf8.DecodeRune sees it, or 0
// when s[i] does not start one (overlong forms, surrogates, code points over U+10FFFF).
size_t go_utf8_len(std::string_view s, size_t i);

// Appends s as a quoted JSON string literal, escaped exactly as Go does.
void append_json_string(std::string& out, std::string_view s);

// Appends the decimal form of v.
void append_uint(std::string& out, uint64_t v);
// A float64 as Go's encoding/json writes it: shortest round-trip digits, fixed notation
// unless |v| < 1e-6 or |v| >= 1e21 (then exponent form, e.g. "1e-07"). v must be finite.
void append_go_float(std::string& out, double v);
void append_int(std::string& out, int64_t v);

// Unix ns -> RFC 3339 UTC with up to 9 fractional digits, trailing zeros dropped
// (Go's time.RFC3339Nano): "2026-11-21T12:10:48.45258Z", "2026-11-21T12:10:48Z".
std::string format_rfc3339_nano(int64_t unix_ns);

// Go's time.Duration.String(): "13m26.075000939s", "1.5s", "0s", "2h0m0s", "350ms".
std::string format_go_duration(int64_t ns);

}  // namespace larch::util
