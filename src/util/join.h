#pragma once
// Items joined with a separator between each two (Go's strings.Join): an empty item still
// gets its separators, so {"", "a"} joins to ",a".
#include <string>
#include <string_view>
#include <vector>

namespace larch::util {

std::string join(const std::vector<std::string>& items, std::string_view sep);

}  // namespace larch::util
