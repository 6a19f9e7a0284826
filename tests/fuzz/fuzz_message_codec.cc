// libFuzzer target: the peer transport's message decoder on arbitrary bytes (a corrupt or
// hostile peer POST). Contract: never crashes; whatever decodes re-encodes to bytes that
// decode to the same messages.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "consensus/message_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  std::string error;
  auto decoded = larch::consensus::decode_messages(in, &error);
  if (!decoded) return 0;
  std::string again = larch::consensus::encode_messages(*decoded);
  auto round = larch::consensus::decode_messages(again);
  if (!round || *round != *decoded) std::abort();
  return 0;
}
