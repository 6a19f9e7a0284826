#pragma once
// Strings as Go's JSON decoder stores them (UTF-8 validity: util::go_utf8_len).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "util/go_json.h"

namespace larch::auth {

using util::go_utf8_len;

inline constexpr std::string_view kReplacementChar = "\xef\xbf\xbd";  // U+FFFD

// s with every byte that does not start a valid sequence replaced by U+FFFD, as Go's JSON
// decoder stores strings.
inline std::string go_valid_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    size_t n = go_utf8_len(s, i);
    if (n == 0) {
      out += kReplacementChar;
      ++i;
    } else {
      out.append(s.data() + i, n);
      i += n;
    }
  }
  return out;
}

}  // namespace larch::auth
