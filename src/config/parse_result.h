#pragma once
// A value or a one-line error message, returned by the config parsers (errors as values).
#include <optional>
#include <string>
#include <utility>

namespace larch::config {

template <class T>
struct ParseResult {
  std::optional<T> value;
  std::string error;  // set iff !value

  static ParseResult success(T v) { return ParseResult{std::move(v), {}}; }
  static ParseResult failure(std::string message) {
    return ParseResult{std::nullopt, std::move(message)};
  }
  bool ok() const { return value.has_value(); }
};

}  // namespace larch::config
