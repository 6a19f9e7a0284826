#pragma once
// Splitting a fuzz input into fields.
#include <string_view>

namespace larch::fuzz {

// The text up to the next '\n' (or the end), consumed from `rest` with the newline.
inline std::string_view next_part(std::string_view& rest) {
  auto nl = rest.find('\n');
  std::string_view part = rest.substr(0, nl);
  rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
  return part;
}

}  // namespace larch::fuzz
