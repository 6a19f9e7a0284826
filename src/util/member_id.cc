#include "util/member_id.h"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdlib>
#include <memory>
#include <string_view>

namespace larch::util {
namespace {

// SHA-1 of data, reduced to its first 8 bytes read big-endian. EVP (not SHA1()) so OpenSSL 3
// does not warn; failure here means a broken libcrypto, which is not recoverable.
uint64_t sha1_prefix64(std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), digest.data(), &len, EVP_sha1(), nullptr) != 1 ||
      len < 8) {
    std::abort();
  }
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | digest[i];
  return v;
}

}  // namespace

uint64_t member_id(std::vector<std::string> peer_urls, const std::string& cluster_token,
                   std::optional<int64_t> add_unix_time) {
  std::sort(peer_urls.begin(), peer_urls.end());
  std::string data;
  for (const auto& url : peer_urls) data += url;
  data += cluster_token;
  if (add_unix_time) data += std::to_string(*add_unix_time);
  return sha1_prefix64(data);
}

uint64_t cluster_id(std::vector<uint64_t> member_ids) {
  std::sort(member_ids.begin(), member_ids.end());
  std::string data;
  data.reserve(member_ids.size() * 8);
  for (uint64_t id : member_ids) {
    for (int shift = 56; shift >= 0; shift -= 8) {
      data += static_cast<char>((id >> shift) & 0xff);
    }
  }
  return sha1_prefix64(data);
}

std::string id_hex(uint64_t id) {
  char buf[17];
  auto r = std::to_chars(buf, buf + sizeof buf, id, 16);
  return std::string(buf, r.ptr);
}

std::optional<uint64_t> parse_id_hex(const std::string& text) {
  if (text.empty() || text.size() > 16) return std::nullopt;
  uint64_t v = 0;
  for (char c : text) {
    int d;
    if (c >= '0' && c <= '9') {
      d = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      d = c - 'a' + 10;
    } else if (c >= 'A' && c <= 'F') {
      d = c - 'A' + 10;
    } else {
      return std::nullopt;
    }
    v = (v << 4) | static_cast<uint64_t>(d);
  }
  return v;
}

}  // namespace larch::util
