#pragma once
// Go's fmt.Sprintf(format) called with no arguments. etcd formats two of its auth messages
// twice ("Granting duplicate role %s for user %s" is formatted, then used as a format
// again), so a '%' in a user or role name comes out as Go's error verbs.
#include <string>
#include <string_view>

namespace larch::auth {

// "%%" -> "%", "%d" -> "%!d(MISSING)", "%*d" -> "%!(BADWIDTH)%!d(MISSING)",
// "%[1]s" -> "%!s(BADINDEX)", a trailing "%" -> "%!(NOVERB)"; other text unchanged.
std::string go_sprintf_no_args(std::string_view format);

}  // namespace larch::auth
