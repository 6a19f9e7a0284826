#include "store/key_path.h"

#include <algorithm>

namespace larch::store::key_path {

std::string_view parent(std::string_view key) {
  size_t slash = key.rfind('/');
  if (slash == 0 || slash == std::string_view::npos) return kRoot;
  return key.substr(0, slash);
}

std::string_view name(std::string_view key) {
  size_t slash = key.rfind('/');
  return slash == std::string_view::npos ? key : key.substr(slash + 1);
}

bool is_hidden(std::string_view key) {
  std::string_view n = name(key);
  return !n.empty() && n.front() == '_';
}

bool is_under(std::string_view key, std::string_view dir) {
  if (dir == kRoot) return key.size() > 1 && key.front() == '/';
  return key.size() > dir.size() + 1 && key.substr(0, dir.size()) == dir && key[dir.size()] == '/';
}

bool has_hidden_below(std::string_view key, std::string_view base) {
  std::string_view rest = base == kRoot ? key : key.substr(std::min(base.size(), key.size()));
  for (size_t i = 0; i + 1 < rest.size(); ++i) {
    if (rest[i] == '/' && rest[i + 1] == '_') return true;
  }
  return false;
}

std::string join(std::string_view dir, std::string_view child_name) {
  std::string out;
  out.reserve(dir.size() + child_name.size() + 1);
  if (dir != kRoot) out.append(dir);
  out += '/';
  out.append(child_name);
  return out;
}

std::string subtree_lo(std::string_view dir) {
  std::string out(dir);
  out += '/';
  return out;
}

std::string subtree_hi(std::string_view dir) {
  std::string out(dir);
  out += '0';
  return out;
}

}  // namespace larch::store::key_path
