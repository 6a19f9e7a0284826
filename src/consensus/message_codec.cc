#include "consensus/message_codec.h"

#include <cstdint>

namespace larch::consensus {
namespace {

constexpr std::string_view kMagic = "LRM";
constexpr uint8_t kFlagReject = 0x01;
constexpr uint8_t kFlagSnapshot = 2;  // a length-prefixed snapshot image follows the entries

void put_varint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

void put_bytes(std::string& out, std::string_view bytes) {
  put_varint(out, bytes.size());
  out.append(bytes);
}

void put_entry(std::string& out, const Entry& e) {
  put_varint(out, e.term);
  put_varint(out, e.index);
  out.push_back(static_cast<char>(e.type));
  put_bytes(out, e.data);
}

void put_message(std::string& out, const Message& m) {
  out.push_back(static_cast<char>(m.type));
  out.push_back(
      static_cast<char>((m.reject ? kFlagReject : 0) | (m.snapshot.empty() ? 0 : kFlagSnapshot)));
  for (uint64_t v : {m.from, m.to, m.term, m.log_term, m.index, m.commit, m.reject_hint}) {
    put_varint(out, v);
  }
  put_bytes(out, m.context);
  put_varint(out, m.entries.size());
  for (const Entry& e : m.entries) put_entry(out, e);
  if (!m.snapshot.empty()) put_bytes(out, m.snapshot);
}

// Cursor over the input; every read fails soft (sets failed_) so decode stays linear.
class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}

  bool failed() const { return failed_; }
  bool at_end() const { return pos_ == in_.size(); }
  const std::string& error() const { return error_; }

  void fail(std::string why) {
    if (!failed_) error_ = std::move(why);
    failed_ = true;
  }

  uint8_t byte() {
    if (failed_ || pos_ >= in_.size()) {
      fail("truncated buffer");
      return 0;
    }
    return static_cast<uint8_t>(in_[pos_++]);
  }

  uint64_t varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      uint8_t b = byte();
      if (failed_) return 0;
      if (shift == 63 && b > 1) break;  // would overflow 64 bits
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) return v;
    }
    fail("malformed varint");
    return 0;
  }

  std::string bytes() {
    uint64_t n = varint();
    if (failed_) return {};
    if (n > in_.size() - pos_) {
      fail("length exceeds buffer");
      return {};
    }
    std::string s(in_.substr(pos_, n));
    pos_ += n;
    return s;
  }

  // A count of items each at least `min_item_size` bytes long: bounded by what is left,
  // so a corrupt count cannot make us reserve huge vectors.
  uint64_t count(uint64_t min_item_size) {
    uint64_t n = varint();
    if (!failed_ && n > (in_.size() - pos_) / min_item_size) fail("count exceeds buffer");
    return failed_ ? 0 : n;
  }

 private:
  std::string_view in_;
  size_t pos_ = 0;
  bool failed_ = false;
  std::string error_;
};

Entry read_entry(Reader& r) {
  Entry e;
  e.term = r.varint();
  e.index = r.varint();
  uint8_t type = r.byte();
  if (type > static_cast<uint8_t>(EntryType::kConfChange)) r.fail("unknown entry type");
  e.type = static_cast<EntryType>(type);
  e.data = r.bytes();
  return e;
}

Message read_message(Reader& r) {
  Message m;
  uint8_t type = r.byte();
  if (type == 0 || type > kMaxMessageType) r.fail("unknown message type");
  m.type = static_cast<MessageType>(type);
  uint8_t flags = r.byte();
  if ((flags & ~(kFlagReject | kFlagSnapshot)) != 0) r.fail("unknown message flags");
  m.reject = (flags & kFlagReject) != 0;
  for (uint64_t* v : {&m.from, &m.to, &m.term, &m.log_term, &m.index, &m.commit, &m.reject_hint}) {
    *v = r.varint();
  }
  m.context = r.bytes();
  uint64_t n = r.count(4);  // an entry takes at least 4 bytes
  m.entries.reserve(n);
  for (uint64_t i = 0; i < n && !r.failed(); ++i) m.entries.push_back(read_entry(r));
  if ((flags & kFlagSnapshot) != 0) m.snapshot = r.bytes();
  return m;
}

}  // namespace

size_t approx_encoded_size(const Message& m) {
  constexpr size_t kVarint = 10;  // LEB128 of a uint64_t
  // type, flags, 7 fixed varints, context length + bytes, entry count.
  size_t n = 2 + 7 * kVarint + kVarint + m.context.size() + kVarint;
  for (const Entry& e : m.entries) n += 2 * kVarint + 1 + kVarint + e.data.size();
  if (!m.snapshot.empty()) n += kVarint + m.snapshot.size();
  return n;
}

std::string encode_messages(const std::vector<Message>& messages) {
  std::string out(kMagic);
  out.push_back(static_cast<char>(kMessageCodecVersion));
  put_varint(out, messages.size());
  for (const Message& m : messages) put_message(out, m);
  return out;
}

std::optional<std::vector<Message>> decode_messages(std::string_view buffer, std::string* error) {
  auto failure = [error](std::string why) -> std::optional<std::vector<Message>> {
    if (error != nullptr) *error = std::move(why);
    return std::nullopt;
  };
  if (buffer.size() < kMagic.size() + 1 || buffer.substr(0, kMagic.size()) != kMagic) {
    return failure("bad magic");
  }
  uint8_t version = static_cast<uint8_t>(buffer[kMagic.size()]);
  if (version != kMessageCodecVersion) {
    return failure("unsupported version " + std::to_string(version));
  }
  Reader r(buffer.substr(kMagic.size() + 1));
  uint64_t n = r.count(11);  // a message takes at least 11 bytes
  std::vector<Message> out;
  out.reserve(n);
  for (uint64_t i = 0; i < n && !r.failed(); ++i) out.push_back(read_message(r));
  if (!r.failed() && !r.at_end()) r.fail("trailing bytes");
  if (r.failed()) return failure(r.error());
  return out;
}

}  // namespace larch::consensus
