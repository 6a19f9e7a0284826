#pragma once
// Removes a scratch SQLite database file (a snapshot image, a page-size conversion copy) and
// its rollback journal, if present. Never throws: it runs on error paths and in clean-up,
// where a file left behind is only wasted space (each start empties the places they live).
#include <filesystem>
#include <string>
#include <system_error>

namespace larch::util {

inline void remove_db_file(const std::string& path) noexcept {
  if (path.empty()) return;
  std::error_code ignored;
  std::filesystem::remove(path, ignored);
  std::filesystem::remove(path + "-journal", ignored);
}

}  // namespace larch::util
