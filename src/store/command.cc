#include "store/command.h"

namespace larch::store {
namespace {

// Format 1: [version=1][op][flags] key value [prev_value] prev_index [expiration] now_ns
// request_id. Strings are varint length + raw bytes (binary-safe); unsigned numbers are
// LEB128 varints; signed numbers are zigzag varints.
constexpr uint8_t kVersion = 1;
enum Flag : uint8_t {
  kDir = 1,
  kRecursive = 2,
  kRefresh = 4,
  kHasPrevValue = 8,
  kHasExpiration = 16,
};
constexpr uint8_t kKnownFlags = kDir | kRecursive | kRefresh | kHasPrevValue | kHasExpiration;

void put_varint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out += static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  out += static_cast<char>(v);
}

void put_signed(std::string& out, int64_t v) {
  put_varint(out, (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63));
}

void put_bytes(std::string& out, std::string_view s) {
  put_varint(out, s.size());
  out.append(s);
}

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}

  bool byte(uint8_t& v) {
    if (pos_ >= in_.size()) return false;
    v = static_cast<uint8_t>(in_[pos_++]);
    return true;
  }

  bool varint(uint64_t& v) {
    v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      uint8_t b;
      if (!byte(b)) return false;
      if (shift == 63 && b > 1) return false;  // overflows 64 bits
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) return true;
    }
    return false;
  }

  bool signed_varint(int64_t& v) {
    uint64_t u;
    if (!varint(u)) return false;
    v = static_cast<int64_t>((u >> 1) ^ (~(u & 1) + 1));
    return true;
  }

  bool bytes(std::string& s) {
    uint64_t n;
    if (!varint(n) || n > in_.size() - pos_) return false;
    s.assign(in_.substr(pos_, n));
    pos_ += n;
    return true;
  }

  bool at_end() const { return pos_ == in_.size(); }

 private:
  std::string_view in_;
  size_t pos_ = 0;
};

bool valid_op(uint8_t op) {
  return op >= static_cast<uint8_t>(OpType::kSet) && op <= static_cast<uint8_t>(OpType::kInternal);
}

}  // namespace

std::string encode_command(const Command& cmd) {
  std::string out;
  // Exactly one allocation: 3 header bytes, at most 3 length varints and 4 number varints of
  // up to 10 bytes each, and the strings.
  out.reserve(3 + 7 * 10 + cmd.key.size() + cmd.value.size() +
              (cmd.prev_value ? cmd.prev_value->size() : 0));
  uint8_t flags = (cmd.dir ? kDir : 0) | (cmd.recursive ? kRecursive : 0) |
                  (cmd.refresh ? kRefresh : 0) | (cmd.prev_value ? kHasPrevValue : 0) |
                  (cmd.expiration_ns ? kHasExpiration : 0);
  out += static_cast<char>(kVersion);
  out += static_cast<char>(cmd.op);
  out += static_cast<char>(flags);
  put_bytes(out, cmd.key);
  put_bytes(out, cmd.value);
  if (cmd.prev_value) put_bytes(out, *cmd.prev_value);
  put_varint(out, cmd.prev_index);
  if (cmd.expiration_ns) put_signed(out, *cmd.expiration_ns);
  put_signed(out, cmd.now_ns);
  put_varint(out, cmd.request_id);
  return out;
}

std::optional<Command> decode_command(std::string_view bytes) {
  Reader in(bytes);
  uint8_t version, op, flags;
  if (!in.byte(version) || version != kVersion) return std::nullopt;
  if (!in.byte(op) || !valid_op(op)) return std::nullopt;
  if (!in.byte(flags) || (flags & ~kKnownFlags) != 0) return std::nullopt;
  Command cmd;
  cmd.op = static_cast<OpType>(op);
  cmd.dir = flags & kDir;
  cmd.recursive = flags & kRecursive;
  cmd.refresh = flags & kRefresh;
  if (!in.bytes(cmd.key) || !in.bytes(cmd.value)) return std::nullopt;
  if (flags & kHasPrevValue) {
    if (!in.bytes(cmd.prev_value.emplace())) return std::nullopt;
  }
  if (!in.varint(cmd.prev_index)) return std::nullopt;
  if (flags & kHasExpiration) {
    if (!in.signed_varint(cmd.expiration_ns.emplace())) return std::nullopt;
  }
  if (!in.signed_varint(cmd.now_ns) || !in.varint(cmd.request_id)) return std::nullopt;
  if (!in.at_end()) return std::nullopt;  // trailing garbage
  return cmd;
}

}  // namespace larch::store
