#include "transport/dns_message.h"

namespace larch::transport {
namespace {

void put16(std::string& out, uint16_t v) {
  out.push_back(static_cast<char>(v >> 8));
  out.push_back(static_cast<char>(v & 0xff));
}

// Reads a packet front to back; any read past the end sets `bad`.
class Reader {
 public:
  explicit Reader(std::string_view p) : p_(p) {}

  // Big-endian. Each byte is read in its own statement: the operands of `|` may be
  // evaluated in either order.
  uint16_t u16() {
    uint16_t high = u8();
    return static_cast<uint16_t>((high << 8) | u8());
  }
  uint32_t u32() {
    uint32_t high = u16();
    return (high << 16) | u16();
  }
  uint8_t u8() {
    if (pos_ >= p_.size()) {
      bad = true;
      return 0;
    }
    return static_cast<uint8_t>(p_[pos_++]);
  }
  void skip(size_t n) {
    if (p_.size() - pos_ < n) bad = true;
    pos_ = bad ? p_.size() : pos_ + n;
  }
  size_t pos() const { return pos_; }

  // A domain name at the current position (following compression pointers), dotted, with a
  // trailing dot; the position moves past the name as written here.
  std::string name() {
    std::string out;
    size_t at = pos_;
    bool jumped = false;
    for (int hops = 0; hops < 64; ++hops) {
      if (at >= p_.size()) break;
      auto len = static_cast<uint8_t>(p_[at]);
      if (len == 0) {
        if (!jumped) pos_ = at + 1;
        return out.empty() ? "." : out;
      }
      if ((len & 0xc0) == 0xc0) {
        if (at + 1 >= p_.size()) break;
        if (!jumped) pos_ = at + 2;
        jumped = true;
        at = ((len & 0x3f) << 8) | static_cast<uint8_t>(p_[at + 1]);
        continue;
      }
      if (len > 63) break;  // 0x40 and 0x80: reserved label kinds
      if (at + 1 + len > p_.size()) break;
      out.append(p_.substr(at + 1, len)).push_back('.');
      at += 1 + len;
    }
    bad = true;
    return {};
  }

  bool bad = false;

 private:
  std::string_view p_;
  size_t pos_ = 0;
};

}  // namespace

std::optional<std::string> dns_query(uint16_t id, std::string_view name, uint16_t qtype) {
  std::string out;
  put16(out, id);
  put16(out, 0x0100);  // a standard query, recursion desired
  put16(out, 1);       // one question
  put16(out, 0);
  put16(out, 0);
  put16(out, 0);
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  while (!name.empty()) {
    size_t dot = name.find('.');
    std::string_view label = name.substr(0, dot);
    if (label.empty() || label.size() > 63) return std::nullopt;
    out.push_back(static_cast<char>(label.size()));
    out.append(label);
    name = dot == std::string_view::npos ? std::string_view() : name.substr(dot + 1);
  }
  out.push_back('\0');
  put16(out, qtype);
  put16(out, 1);  // class IN
  return out;
}

std::optional<DnsReply> parse_dns_reply(std::string_view packet, uint16_t id, std::string* error) {
  auto fail = [error](const char* why) {
    if (error) *error = why;
    return std::nullopt;
  };
  Reader r(packet);
  uint16_t got_id = r.u16(), flags = r.u16(), questions = r.u16(), answers = r.u16();
  r.skip(4);  // authority and additional counts: not read
  if (r.bad) return fail("short DNS reply");
  if (got_id != id || !(flags & 0x8000)) return fail("not the reply to this query");
  if (flags & 0x0200) return fail("truncated DNS reply");
  DnsReply out;
  out.rcode = flags & 0x0f;
  for (int i = 0; i < questions && !r.bad; ++i) {
    r.name();
    r.skip(4);
  }
  for (int i = 0; i < answers && !r.bad; ++i) {
    r.name();
    uint16_t type = r.u16();
    r.u16();  // class
    r.u32();  // ttl
    uint16_t len = r.u16();
    size_t end = r.pos() + len;
    if (type == kDnsTypeSrv) {
      SrvRecord s;
      s.priority = r.u16();
      s.weight = r.u16();
      s.port = r.u16();
      s.target = r.name();
      out.srv.push_back(std::move(s));
    } else if (type == kDnsTypeA && len == 4) {
      std::string ip;
      for (int b = 0; b < 4; ++b) ip += (b ? "." : "") + std::to_string(r.u8());
      out.ipv4.push_back(std::move(ip));
    }
    if (!r.bad && r.pos() > end) r.bad = true;
    if (!r.bad) r.skip(end - r.pos());
  }
  if (r.bad) return fail("malformed DNS reply");
  return out;
}

}  // namespace larch::transport
