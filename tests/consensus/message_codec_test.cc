#include "consensus/message_codec.h"

#include <catch2/catch.hpp>

using namespace larch::consensus;

namespace {

Message sample_append() {
  Message m;
  m.type = MessageType::kAppend;
  m.from = 1;
  m.to = 0xffffffffffffffffULL;
  m.term = 7;
  m.log_term = 6;
  m.index = 300;
  m.commit = 299;
  m.entries = {Entry{7, 301, EntryType::kNormal, "hello"},
               Entry{7, 302, EntryType::kConfChange, std::string("\0\x01\xff", 3)},
               Entry{7, 303, EntryType::kNormal, ""}};
  m.context = "ctx";
  return m;
}

}  // namespace

TEST_CASE("codec round-trips every message type and field", "[codec]") {
  std::vector<Message> batch;
  for (uint8_t t = 1; t <= kMaxMessageType; ++t) {
    Message m = sample_append();
    m.type = static_cast<MessageType>(t);
    m.reject = (t % 2) == 0;
    m.reject_hint = t * 1000ULL;
    batch.push_back(m);
  }
  batch.push_back(Message{});  // all defaults
  std::string wire = encode_messages(batch);
  auto decoded = decode_messages(wire);
  REQUIRE(decoded.has_value());
  REQUIRE(*decoded == batch);
}

TEST_CASE("codec encodes an empty batch", "[codec]") {
  auto decoded = decode_messages(encode_messages({}));
  REQUIRE(decoded.has_value());
  REQUIRE(decoded->empty());
}

TEST_CASE("codec is compact for small messages", "[codec]") {
  Message hb;
  hb.type = MessageType::kHeartbeat;
  hb.from = 1;
  hb.to = 2;
  hb.term = 5;
  hb.commit = 100;
  // magic+version(4) + count(1) + type,flags(2) + 7 varints(7) + ctx(1) + n(1)
  REQUIRE(encode_messages({hb}).size() == 16);
}

TEST_CASE("codec rejects malformed input", "[codec]") {
  std::string good = encode_messages({sample_append(), sample_append()});
  std::string error;

  SECTION("bad magic") {
    std::string bad = good;
    bad[0] = 'X';
    REQUIRE_FALSE(decode_messages(bad, &error));
    REQUIRE(error == "bad magic");
  }
  SECTION("unknown version") {
    std::string bad = good;
    bad[3] = 2;
    REQUIRE_FALSE(decode_messages(bad, &error));
    REQUIRE(error.find("version") != std::string::npos);
  }
  SECTION("every truncation fails") {
    for (size_t n = 0; n < good.size(); ++n) {
      INFO("length " << n);
      REQUIRE_FALSE(decode_messages(good.substr(0, n)));
    }
  }
  SECTION("trailing bytes") {
    REQUIRE_FALSE(decode_messages(good + "x", &error));
    REQUIRE(error == "trailing bytes");
  }
  SECTION("unknown message type") {
    std::string bad = good;
    bad[5] = 99;  // first message's type byte
    REQUIRE_FALSE(decode_messages(bad, &error));
    REQUIRE(error == "unknown message type");
  }
  SECTION("huge count does not allocate") {
    std::string bad = "LRM\x01";
    bad += "\xff\xff\xff\xff\xff\xff\xff\xff\x7f";
    REQUIRE_FALSE(decode_messages(bad, &error));
    REQUIRE(error == "count exceeds buffer");
  }
  SECTION("overlong varint") {
    std::string bad = "LRM\x01";
    bad += std::string(11, '\xff');
    REQUIRE_FALSE(decode_messages(bad));
  }
}

TEST_CASE("codec survives random corruption without crashing", "[codec]") {
  std::string good = encode_messages({sample_append(), Message{}, sample_append()});
  uint64_t x = 42;
  for (int i = 0; i < 2000; ++i) {
    std::string bad = good;
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    size_t pos = 4 + (x >> 33) % (bad.size() - 4);
    bad[pos] = static_cast<char>(x >> 24);
    auto decoded = decode_messages(bad);  // may succeed (e.g. a changed data byte)
    if (decoded) REQUIRE(decode_messages(encode_messages(*decoded)) == decoded);
  }
}

TEST_CASE("approx_encoded_size bounds the encoded size from above", "[codec]") {
  Message big = sample_append();
  big.from = big.to = big.term = big.log_term = big.index = big.commit = big.reject_hint =
      ~uint64_t{0};
  Message snap;
  snap.type = MessageType::kSnapshot;
  snap.snapshot = std::string(100000, 's');
  for (const Message& m : {sample_append(), big, snap, Message{}}) {
    size_t header = encode_messages({}).size();
    size_t actual = encode_messages({m}).size() - header;
    REQUIRE(approx_encoded_size(m) >= actual);
    REQUIRE(approx_encoded_size(m) <= actual + 200);  // an estimate, not a wild guess
  }
}
