#include "util/go_open_error.h"

#include <cctype>
#include <cstring>

namespace larch::util {

std::string go_open_error(const std::string& path, int err) {
  std::string reason = std::strerror(err);
  if (!reason.empty()) reason[0] = static_cast<char>(std::tolower(reason[0]));
  return "open " + path + ": " + reason;
}

}  // namespace larch::util
