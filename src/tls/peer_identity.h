#pragma once
// What a verified TLS peer's certificate says about it.
#include <openssl/ssl.h>

#include <string>

namespace larch::tls {

// The Common Name of the certificate the other side presented and the handshake verified;
// empty if there was none (or it has no CN). Only the leaf certificate counts: etcd also
// tries the CNs of the CA certificates in the verified chain, so any certificate signed by
// a CA named like a user would authenticate as that user; Larch does not.
std::string verified_common_name(const SSL* ssl);

// A certificate's subject Common Name (UTF-8); empty if it has none.
std::string common_name(X509* cert);

}  // namespace larch::tls
