// libFuzzer target: the env-file config parser (/etc/etcd/etcd.conf style) on arbitrary
// text. Contract: never crashes; an accepted file's names are non-empty.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "config/env_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  (void)larch::config::looks_like_env_file(in);
  auto parsed = larch::config::parse_env_file(in);
  if (parsed.ok()) {
    for (const auto& [name, value] : *parsed.value)
      if (name.empty()) std::abort();
  }
  return 0;
}
