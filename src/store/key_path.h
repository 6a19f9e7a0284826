#pragma once
// Pure helpers on normalised absolute keys ("/", "/a", "/a/b"; no trailing slash).
// Keys are arbitrary bytes; every comparison is bytewise and by path component.
#include <string>
#include <string_view>

namespace larch::store::key_path {

inline constexpr std::string_view kRoot = "/";

// "/a/b" -> "/a"; "/a" -> "/". Undefined for the root.
std::string_view parent(std::string_view key);
// Last segment: "/a/b" -> "b".
std::string_view name(std::string_view key);
// The node's own name starts with '_' (hidden from listings).
bool is_hidden(std::string_view key);
// key is strictly below dir (by component): is_under("/a/b", "/a"), !is_under("/ab", "/a").
bool is_under(std::string_view key, std::string_view dir);
// Some segment of key below base starts with '_' (key must be under base or equal).
bool has_hidden_below(std::string_view key, std::string_view base);
// dir + "/" + child_name (root-aware).
std::string join(std::string_view dir, std::string_view child_name);
// [lo, hi) bounds covering exactly the keys strictly below dir (dir != root): dir+"/" and
// dir+"0" ('0' is '/'+1).
std::string subtree_lo(std::string_view dir);
std::string subtree_hi(std::string_view dir);

}  // namespace larch::store::key_path
