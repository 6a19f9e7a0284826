#pragma once
// etcd-compatible cluster identity (spec §10): member IDs, the cluster ID, and their hex
// form. Pure functions; any thread.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace larch::util {

// First 8 bytes (big-endian) of SHA-1 over: the peer URLs sorted and concatenated, then
// cluster_token, then, only for members added at runtime, the decimal Unix time (seconds) of
// the add. URLs are hashed as given: pass them in the canonical form etcd prints
// ("http://127.0.0.1:2380"). Note (verified against etcd 3.4.23): for runtime-added members
// etcd hashes an EMPTY token, i.e. member_id(urls, "", add_time).
uint64_t member_id(std::vector<std::string> peer_urls, const std::string& cluster_token,
                   std::optional<int64_t> add_unix_time = std::nullopt);

// First 8 bytes (big-endian) of SHA-1 over the member IDs sorted ascending, each encoded as
// 8 big-endian bytes. etcd computes it once at bootstrap; it does not change when members
// are added or removed later.
uint64_t cluster_id(std::vector<uint64_t> member_ids);

// Lower-case hex without leading zeros, as etcd prints IDs ("1e59f386d59c414"; 0 -> "0").
std::string id_hex(uint64_t id);

// Parses id_hex's form (case-insensitive, 1-16 hex digits); nullopt otherwise.
std::optional<uint64_t> parse_id_hex(const std::string& text);

}  // namespace larch::util
