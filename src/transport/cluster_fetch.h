#pragma once
// The client side of GET /members (PeerHandler): a member joining a running cluster asks an
// existing member, at one of its peer URLs, for the member list and cluster ID.
#include <boost/asio/ssl/context.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace larch::transport {

struct FetchedMember {
  uint64_t id = 0;
  std::string name;
  std::vector<std::string> peer_urls, client_urls;
};

struct FetchedCluster {
  uint64_t cluster_id = 0;  // X-Etcd-Cluster-ID
  uint64_t conf_index = 0;  // X-Larch-Conf-Index; 0 when the header is absent (etcd peers)
  std::vector<FetchedMember> members;
};

// GET http://host:port/members, or https:// when `tls_context` (a client context, as the
// Transport's) is given: then the peer's certificate must be valid for `host`. Synchronous
// (runs its own io_context on the calling thread) and bounded by `timeout` in total, also
// against a peer that accepts and never answers (name resolution of a non-numeric host is
// bounded by the system resolver only). On failure returns nullopt and a one-line reason in
// *error (empty on success; error may be null). Refused: a connection, TLS or I/O failure, a
// status other than 200, a missing, malformed or zero X-Etcd-Cluster-ID, a malformed
// X-Larch-Conf-Index, and a body that is not a JSON array of member objects. A member needs
// an "id" (hex string as id_hex prints it, or a JSON number as etcd's peer API sends it; not
// 0); "name", "peerURLs" and "clientURLs" may be absent (empty) but must have the right type
// when present.
std::optional<FetchedCluster> fetch_cluster(const std::string& host, uint16_t port,
                                            std::chrono::milliseconds timeout, std::string* error,
                                            boost::asio::ssl::context* tls_context = nullptr);

}  // namespace larch::transport
