#pragma once
// The TLS settings of one side (client listener or peer transport), as etcd's flags give
// them: --cert-file/--key-file/--trusted-ca-file/--client-cert-auth, or their --peer-*
// forms; or, with --auto-tls/--peer-auto-tls, the self-signed pair generated for them.
#include <string>
#include <vector>

namespace larch::tls {

struct TlsFiles {
  std::string cert_file;          // PEM certificate (chain), presented by this member
  std::string key_file;           // its unencrypted PEM private key
  std::string trusted_ca_file;    // PEM CA bundle that verifies the other side
  bool client_cert_auth = false;  // server side: require a certificate signed by trusted_ca
  std::string allowed_cn;         // server side, non-empty: the only CN a client cert may have
  // Server side, non-empty: a client certificate must be valid for this host name or IP
  // (its subjectAltName; etcd's --client-cert-allowed-hostname, --peer-cert-allowed-hostname).
  std::string allowed_hostname;
  // Server side, non-empty: a revocation list (tls::RevocationList) for client certificates.
  std::string crl_file;
  // Go names of the TLS 1.2 suites to allow (tls/cipher_suites.h); empty: OpenSSL's defaults.
  std::vector<std::string> cipher_suites;
  // Client side: do not verify the server's certificate, nor its host. etcd's
  // InsecureSkipVerify, which it sets for self-signed peer certificates (--peer-auto-tls):
  // every member has its own, so there is no CA to verify one with.
  bool skip_verify = false;

  // https URLs need a certificate and key.
  bool has_identity() const { return !cert_file.empty() && !key_file.empty(); }
  // etcd 3.4 (TLSInfo.ServerConfig) requires and verifies client certificates when
  // --client-cert-auth is set *or* a trusted CA file is given; only the flag makes the
  // certificate's CN the v2 auth user.
  bool requires_client_cert() const { return client_cert_auth || !trusted_ca_file.empty(); }
};

}  // namespace larch::tls
