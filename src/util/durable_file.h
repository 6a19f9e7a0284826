#pragma once
// Small files that must survive power loss once written (a member's identity record, a
// proxy's cluster file): the whole content or the previous one, never a torn mix.
#include <string>

namespace larch::util {

// Writes `data` to `path` (in directory `dir`) durably: a temporary file, fsync, rename over
// `path`, fsync of `dir`. Empty on success, else a one-line reason.
std::string write_file_durably(const std::string& dir, const std::string& path,
                               const std::string& data);

}  // namespace larch::util
