#include "util/log_line.h"

#include <iostream>

namespace larch::util {

void log_line(const std::string& text) {
  std::cerr << "larch: " << text << std::endl;
}

}  // namespace larch::util
