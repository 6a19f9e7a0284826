#include "tls/handshake_failure.h"

#include <openssl/x509.h>

namespace larch::tls {

std::string handshake_failure(TlsStream& stream, const boost::system::error_code& ec) {
  boost::system::error_code ignored;
  auto peer = boost::beast::get_lowest_layer(stream).socket().remote_endpoint(ignored);
  std::string remote = peer.address().to_string() + ":" + std::to_string(peer.port());
  long verify = SSL_get_verify_result(stream.native_handle());
  std::string reason = verify != X509_V_OK ? std::string("tls: failed to verify certificate: ") +
                                                 X509_verify_cert_error_string(verify)
                                           : ec.message();
  return "rejected connection from \"" + remote + "\" (error \"" + reason + "\")";
}

}  // namespace larch::tls
