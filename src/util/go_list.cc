#include "util/go_list.h"

namespace larch::util {
namespace {

std::string joined(const std::vector<std::string>& xs, const char* quote) {
  std::string out = "[";
  for (size_t i = 0; i < xs.size(); ++i)
    out.append(i ? " " : "").append(quote).append(xs[i]).append(quote);
  return out + "]";
}

}  // namespace

std::string go_list(const std::vector<std::string>& xs) {
  return joined(xs, "");
}

std::string go_quoted_list(const std::vector<std::string>& xs) {
  return joined(xs, "\"");
}

}  // namespace larch::util
