#pragma once
// --cipher-suites: etcd's comma-separated list of Go cipher suite names, applied to every
// TLS context (client listener, peer listener, outgoing peer connections). As in Go, it
// chooses the TLS 1.2 suites only; TLS 1.3 keeps its own (Go's TLS 1.3 names are accepted
// and select nothing for TLS 1.2). Empty: OpenSSL's defaults.
#include <boost/asio/ssl/context.hpp>
#include <string>
#include <vector>

namespace larch::tls {

// Empty if every name is one etcd 3.4 accepts; else etcd's error for the first that is not:
// `unexpected TLS cipher suite "X"`.
std::string check_cipher_suites(const std::vector<std::string>& names);

// OpenSSL's cipher string for the TLS 1.2 suites among `names` (checked), in their order;
// empty if they name none.
std::string openssl_cipher_list(const std::vector<std::string>& names);

// Restricts `ctx` to `names` (no-op when empty). With no TLS 1.2 suite among them, TLS 1.2
// is turned off (Go then has no suite to offer it). Empty on success, else why (none of the
// suites is available in this OpenSSL, e.g. RC4).
std::string apply_cipher_suites(boost::asio::ssl::context& ctx,
                                const std::vector<std::string>& names);

}  // namespace larch::tls
