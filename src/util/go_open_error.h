#pragma once
// Go's wording for a file that cannot be opened, "open <path>: <reason>" with the reason in
// lower case ("open /x: no such file or directory"): what etcd prints for a missing
// certificate, CRL or log file, and so what Larch prints for them too.
#include <string>

namespace larch::util {

// `err` is the errno of the failed open.
std::string go_open_error(const std::string& path, int err);

}  // namespace larch::util
