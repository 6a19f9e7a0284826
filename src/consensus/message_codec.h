#pragma once
// Compact, versioned binary encoding of a batch of raft messages (the body of a peer
// transport POST). Layout: "LRM" + version byte (1), varint count, then per message:
// type byte, flags byte (bit0 = reject, bit1 = snapshot), varints from, to, term, log_term, index,
// commit, reject_hint, length-prefixed context, varint entry count, then per entry: varint term,
// varint index, type byte, length-prefixed data; when flags bit1 is set, a length-prefixed
// snapshot image follows. Varints are LEB128 (unsigned).
// Pure functions; any thread.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "consensus/message.h"

namespace larch::consensus {

constexpr uint8_t kMessageCodecVersion = 1;

// An upper bound of m's share of encode_messages' output (every varint at its widest), for
// queue budgets and traffic statistics without encoding. O(number of entries).
size_t approx_encoded_size(const Message& m);

// Encodes `messages` into one self-contained buffer.
std::string encode_messages(const std::vector<Message>& messages);

// Decodes a buffer made by encode_messages. Returns nullopt (and sets *error when given)
// on a bad magic, unknown version, unknown enum value, truncation or trailing bytes.
std::optional<std::vector<Message>> decode_messages(std::string_view buffer,
                                                    std::string* error = nullptr);

}  // namespace larch::consensus
