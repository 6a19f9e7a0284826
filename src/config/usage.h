#pragma once
// --help text, generated from the flag table.
#include <string>

namespace larch::config {

// Multi-line usage text listing every flag with its default and its ETCD_* variable.
std::string usage_text();

}  // namespace larch::config
