#pragma once
// The server's log: one "larch: <text>" line on stderr, flushed (an operator tailing the log
// of a member that is about to be killed still sees it). Any thread.
#include <string>

namespace larch::util {

void log_line(const std::string& text);

}  // namespace larch::util
