#include "store/command.h"

#include <catch2/catch.hpp>

using namespace larch::store;

namespace {

Command sample() {
  Command c;
  c.op = OpType::kCompareAndSwap;
  c.key = std::string("/a\0b/\xff", 6);
  c.value = std::string("v\0\0x", 4);
  c.dir = true;
  c.recursive = true;
  c.refresh = true;
  c.prev_value = std::string("p\0", 2);
  c.prev_index = 1ull << 40;
  c.expiration_ns = -5;
  c.now_ns = 1'700'000'000'123'456'789;
  c.request_id = ~0ull;
  return c;
}

void require_equal(const Command& a, const Command& b) {
  REQUIRE(a.op == b.op);
  REQUIRE(a.key == b.key);
  REQUIRE(a.value == b.value);
  REQUIRE(a.dir == b.dir);
  REQUIRE(a.recursive == b.recursive);
  REQUIRE(a.refresh == b.refresh);
  REQUIRE(a.prev_value == b.prev_value);
  REQUIRE(a.prev_index == b.prev_index);
  REQUIRE(a.expiration_ns == b.expiration_ns);
  REQUIRE(a.now_ns == b.now_ns);
  REQUIRE(a.request_id == b.request_id);
}

}  // namespace

TEST_CASE("command round-trips every field, binary-safe", "[command]") {
  Command c = sample();
  std::string bytes = encode_command(c);
  REQUIRE(bytes[0] == 1);  // format version first
  auto back = decode_command(bytes);
  REQUIRE(back);
  require_equal(*back, c);
}

TEST_CASE("command round-trips defaults and absent optionals", "[command]") {
  for (uint8_t op = 1; op <= 9; ++op) {
    Command c;
    c.op = static_cast<OpType>(op);
    c.key = "/k";
    auto back = decode_command(encode_command(c));
    REQUIRE(back);
    require_equal(*back, c);
    REQUIRE_FALSE(back->prev_value);
    REQUIRE_FALSE(back->expiration_ns);
  }
  Command c;
  c.prev_value = "";  // present-but-empty stays distinguishable from absent
  c.expiration_ns = 0;
  auto back = decode_command(encode_command(c));
  REQUIRE(back);
  REQUIRE(back->prev_value == std::string());
  REQUIRE(back->expiration_ns == 0);
}

TEST_CASE("command decoding rejects truncated and garbage input", "[command]") {
  std::string bytes = encode_command(sample());
  for (size_t n = 0; n < bytes.size(); ++n) {
    INFO("prefix length " << n);
    REQUIRE_FALSE(decode_command(std::string_view(bytes).substr(0, n)));
  }
  REQUIRE_FALSE(decode_command(bytes + "x"));  // trailing bytes
  std::string bad_version = bytes;
  bad_version[0] = 2;
  REQUIRE_FALSE(decode_command(bad_version));
  std::string bad_op = bytes;
  bad_op[1] = 0;
  REQUIRE_FALSE(decode_command(bad_op));
  bad_op[1] = 10;
  REQUIRE_FALSE(decode_command(bad_op));
  std::string bad_flags = bytes;
  bad_flags[2] = static_cast<char>(0x80);
  REQUIRE_FALSE(decode_command(bad_flags));
  REQUIRE_FALSE(
      decode_command(std::string("\x01\x01\x00\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 14)));
  REQUIRE_FALSE(decode_command("garbage"));
}
