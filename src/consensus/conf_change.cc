#include "consensus/conf_change.h"

namespace larch::consensus {

namespace {
constexpr uint8_t kVersion = 1;
constexpr size_t kHeader = 1 + 1 + 8;
}  // namespace

std::string encode_conf_change(const ConfChange& cc) {
  std::string out;
  out.reserve(kHeader + cc.context.size());
  out.push_back(static_cast<char>(kVersion));
  out.push_back(static_cast<char>(cc.type));
  for (int shift = 56; shift >= 0; shift -= 8) {
    out.push_back(static_cast<char>((cc.node >> shift) & 0xff));
  }
  out += cc.context;
  return out;
}

std::optional<ConfChange> decode_conf_change(std::string_view bytes) {
  if (bytes.size() < kHeader || static_cast<uint8_t>(bytes[0]) != kVersion) return std::nullopt;
  auto type = static_cast<uint8_t>(bytes[1]);
  if (type < 1 || type > 3) return std::nullopt;
  ConfChange cc;
  cc.type = static_cast<ConfChangeType>(type);
  for (size_t i = 2; i < kHeader; ++i) cc.node = (cc.node << 8) | static_cast<uint8_t>(bytes[i]);
  if (cc.node == kNoNode) return std::nullopt;
  cc.context = std::string(bytes.substr(kHeader));
  return cc;
}

}  // namespace larch::consensus
