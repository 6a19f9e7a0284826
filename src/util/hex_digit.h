#pragma once
// Value of one hexadecimal digit, for percent-decoding: '0'-'9', 'a'-'f', 'A'-'F'; -1 else.

namespace larch::util {

constexpr int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace larch::util
