#pragma once
// A []string as Go's fmt prints it in etcd's log lines: %v "[a b]" and %q "["a" "b"]" (the
// strings are URLs here: no character needs Go's escaping).
#include <string>
#include <vector>

namespace larch::util {

std::string go_list(const std::vector<std::string>& xs);
std::string go_quoted_list(const std::vector<std::string>& xs);

}  // namespace larch::util
