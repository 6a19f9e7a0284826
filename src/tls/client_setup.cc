#include "tls/client_setup.h"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <boost/asio/ip/address.hpp>

namespace larch::tls {

bool prepare_client(TlsStream& stream, const std::string& host) {
  SSL* ssl = stream.native_handle();
  boost::system::error_code ec;
  boost::asio::ip::make_address(host, ec);
  bool verifies = SSL_get_verify_mode(ssl) != SSL_VERIFY_NONE;
  if (ec) {  // a DNS name
    if (SSL_set_tlsext_host_name(ssl, host.c_str()) != 1) return false;
    return !verifies || SSL_set1_host(ssl, host.c_str()) == 1;
  }
  if (!verifies) return true;
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
  return X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str()) == 1;
}

}  // namespace larch::tls
