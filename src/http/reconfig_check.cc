#include "http/reconfig_check.h"

namespace larch::http {
namespace {

bool started(const MemberInfo& m) {
  return !m.name.empty();
}

}  // namespace

bool ready_to_add_voter(const std::vector<MemberInfo>& members) {
  size_t total = members.size() + 1;  // with the new member, which has not started yet
  size_t running = 0;
  for (const auto& m : members) running += started(m) ? 1 : 0;
  if (running == 1 && total == 2) return true;
  return running >= total / 2 + 1;
}

bool ready_to_remove_voter(const std::vector<MemberInfo>& members, uint64_t id) {
  size_t total = 0;
  size_t running = 0;
  for (const auto& m : members) {
    if (m.id == id) continue;
    ++total;
    running += started(m) ? 1 : 0;
  }
  return running >= total / 2 + 1;
}

}  // namespace larch::http
