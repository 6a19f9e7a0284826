#include "tls/handshake_failure.h"

#include <openssl/ssl.h>
#include <openssl/x509.h>

namespace larch::tls {
namespace {

void free_note(void*, void* note, CRYPTO_EX_DATA*, int, long, void*) {
  delete static_cast<std::string*>(note);
}

// The SSL ex_data slot holding a std::string* refusal note (allocated once per process;
// thread-safe static initialisation).
int note_index() {
  static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, free_note);
  return index;
}

const std::string* noted(SSL* ssl) {
  return static_cast<const std::string*>(SSL_get_ex_data(ssl, note_index()));
}

}  // namespace

void note_refusal(SSL* ssl, const std::string& reason) {
  if (ssl == nullptr || noted(ssl) != nullptr) return;
  auto* note = new std::string(reason);
  if (SSL_set_ex_data(ssl, note_index(), note) != 1) delete note;
}

std::string handshake_failure(TlsStream& stream, const boost::system::error_code& ec) {
  boost::system::error_code ignored;
  auto peer = boost::beast::get_lowest_layer(stream).socket().remote_endpoint(ignored);
  std::string remote = peer.address().to_string() + ":" + std::to_string(peer.port());
  SSL* ssl = stream.native_handle();
  long verify = SSL_get_verify_result(ssl);
  std::string reason;
  if (const std::string* note = noted(ssl)) {
    reason = *note;
  } else if (verify != X509_V_OK) {
    reason =
        std::string("tls: failed to verify certificate: ") + X509_verify_cert_error_string(verify);
  } else {
    reason = ec.message();
  }
  return "rejected connection from \"" + remote + "\" (error \"" + reason + "\")";
}

}  // namespace larch::tls
