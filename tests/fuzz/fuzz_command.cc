// libFuzzer target: the raft log entry payload decoder (a corrupt log or a hostile peer's
// entry). Contract: never crashes; a decoded command re-encodes to bytes that decode to it.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "store/command.h"

namespace {
bool same(const larch::store::Command& a, const larch::store::Command& b) {
  return a.op == b.op && a.key == b.key && a.value == b.value && a.dir == b.dir &&
         a.recursive == b.recursive && a.refresh == b.refresh && a.prev_value == b.prev_value &&
         a.prev_index == b.prev_index && a.expiration_ns == b.expiration_ns &&
         a.now_ns == b.now_ns && a.request_id == b.request_id;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto cmd = larch::store::decode_command(in);
  if (!cmd) return 0;
  auto round = larch::store::decode_command(larch::store::encode_command(*cmd));
  if (!round || !same(*round, *cmd)) std::abort();
  return 0;
}
