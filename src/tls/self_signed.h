#pragma once
// Self-signed certificates for --auto-tls and --peer-auto-tls, as etcd 3.4 makes them
// (transport.SelfCert): an ECDSA P-521 key and a certificate signed with it (SHA-512),
// subject and issuer O=etcd, a random 128-bit serial, valid from now for 365 days, key usage
// digitalSignature+keyEncipherment (critical), CA:FALSE (critical), a SAN entry per host (IP
// address or DNS name). Extended key usage: serverAuth as in etcd, plus clientAuth (the peer
// certificate is presented as a client certificate too). Errors are values.
#include <string>
#include <vector>

namespace larch::tls {

struct SelfSignedPem {
  std::string cert;   // "-----BEGIN CERTIFICATE-----..."
  std::string key;    // "-----BEGIN EC PRIVATE KEY-----..." (SEC 1, unencrypted, as etcd)
  std::string error;  // non-empty: generation failed; cert and key are then empty
};

// A fresh key and certificate for `hosts` (IP literals, IPv6 without brackets, or DNS
// names; duplicates and empty strings are skipped). Pure apart from the random numbers.
SelfSignedPem make_self_signed(const std::vector<std::string>& hosts);

struct SelfSignedFiles {
  std::string cert_file;   // <dir>/cert.pem (mode 0644)
  std::string key_file;    // <dir>/key.pem (mode 0600)
  bool generated = false;  // false: both files existed and are reused
  std::string error;       // non-empty: no usable files; the paths are then empty
};

// etcd's SelfCert: creates `dir` and missing parents (mode 0700); when <dir>/cert.pem and
// <dir>/key.pem both exist they are reused unread, whatever hosts they name (etcd too: the
// files survive restarts); otherwise a new pair for `hosts` replaces them. The key is written
// before the certificate, each through a temporary file renamed into place, so an
// interrupted write leaves no certificate to pair with a stale key.
SelfSignedFiles self_signed_files(const std::string& dir, const std::vector<std::string>& hosts);

}  // namespace larch::tls
