#include "tls/tls_context.h"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <cerrno>
#include <fstream>

#include "tls/cipher_suites.h"
#include "tls/handshake_failure.h"
#include "tls/peer_identity.h"
#include "tls/revocation_list.h"
#include "util/go_open_error.h"

namespace larch::tls {
namespace {

namespace ssl = boost::asio::ssl;

// Go's wording for an unreadable file ("open x: no such file or directory"), which is what
// etcd prints; OpenSSL's own messages for a missing file are less clear.
std::string unreadable(const std::string& file) {
  std::ifstream in(file);
  return in ? std::string() : util::go_open_error(file, errno);
}

std::string failed(const std::string& what, const std::string& file,
                   const boost::system::error_code& ec) {
  return "tls: cannot load " + what + " " + file + ": " + ec.message();
}

void restrict_protocols(ssl::context& ctx) {
  ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                  ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  SSL_CTX_set_options(ctx.native_handle(), SSL_OP_NO_RENEGOTIATION);
}

// Loads the certificate chain and key this side presents; empty on success.
std::string load_identity(ssl::context& ctx, const TlsFiles& files) {
  for (const auto* file : {&files.cert_file, &files.key_file}) {
    if (auto err = unreadable(*file); !err.empty()) return err;
  }
  // The key first: loaded after the certificate, a mismatch fails inside OpenSSL's loader
  // with a less helpful message than the explicit check below.
  boost::system::error_code ec;
  ctx.use_private_key_file(files.key_file, ssl::context::pem, ec);
  if (ec) return failed("key", files.key_file, ec);
  ctx.use_certificate_chain_file(files.cert_file, ec);
  if (ec) return failed("certificate", files.cert_file, ec);
  if (SSL_CTX_check_private_key(ctx.native_handle()) != 1) {
    return "tls: private key does not match public key";  // etcd's (Go's) wording
  }
  return {};
}

// The CAs that verify the other side: ca_file, or the system's when it is empty.
std::string load_trust(ssl::context& ctx, const std::string& ca_file) {
  boost::system::error_code ec;
  if (ca_file.empty()) {
    ctx.set_default_verify_paths(ec);
    return ec ? "tls: cannot load the system's CA certificates: " + ec.message() : "";
  }
  if (auto err = unreadable(ca_file); !err.empty()) return err;
  ctx.load_verify_file(ca_file, ec);
  if (ec) return failed("trusted CA file", ca_file, ec);
  return {};
}

// etcd's check of a client certificate's host name (Go's VerifyHostname): an IP against the
// IP subjectAltNames, a name against the DNS ones (wildcards allowed); never the CN.
bool valid_for_host(X509* cert, const std::string& host) {
  if (X509_check_ip_asc(cert, host.c_str(), 0) == 1) return true;
  return X509_check_host(cert, host.data(), host.size(), X509_CHECK_FLAG_NEVER_CHECK_SUBJECT,
                         nullptr) == 1;
}

// The checks OpenSSL's chain verification does not make, as a verify callback: the CRL on
// every certificate of the chain (etcd checks each certificate the client sent), the allowed
// CN or host name on the client's own. Needs a verify mode that requests certificates.
void add_client_checks(ssl::context& ctx, const TlsFiles& files,
                       std::shared_ptr<RevocationList> crl) {
  if (!crl && files.allowed_cn.empty() && files.allowed_hostname.empty()) return;
  ctx.set_verify_callback([crl = std::move(crl), cn = files.allowed_cn,
                           host = files.allowed_hostname](bool verified, ssl::verify_context& vc) {
    X509_STORE_CTX* store = vc.native_handle();
    if (!verified) return false;
    X509* cert = X509_STORE_CTX_get_current_cert(store);
    if (std::string why = crl ? crl->refusal(cert) : std::string(); !why.empty()) {
      auto* ssl = static_cast<SSL*>(
          X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
      note_refusal(ssl, why);
      X509_STORE_CTX_set_error(store, X509_V_ERR_CERT_REVOKED);
      return false;
    }
    if (X509_STORE_CTX_get_error_depth(store) != 0) return true;
    if (!cn.empty() && common_name(cert) != cn) {
      X509_STORE_CTX_set_error(store, X509_V_ERR_APPLICATION_VERIFICATION);
      return false;
    }
    if (!host.empty() && !valid_for_host(cert, host)) {
      X509_STORE_CTX_set_error(store, X509_V_ERR_HOSTNAME_MISMATCH);
      return false;
    }
    return true;
  });
}

TlsContext fail(std::string error) {
  return TlsContext{nullptr, std::move(error)};
}

}  // namespace

TlsContext make_server_context(const TlsFiles& files) {
  if (!files.has_identity()) return fail("tls: a certificate and a key are required");
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  restrict_protocols(*ctx);
  if (auto err = load_identity(*ctx, files); !err.empty()) return fail(err);
  if (auto err = apply_cipher_suites(*ctx, files.cipher_suites); !err.empty()) return fail(err);
  if (!files.allowed_cn.empty() && !files.allowed_hostname.empty()) {
    return fail("AllowedCN and AllowedHostname are mutually exclusive (cn=\"" + files.allowed_cn +
                "\", hostname=\"" + files.allowed_hostname + "\")");  // etcd's words
  }
  std::shared_ptr<RevocationList> crl;
  if (!files.crl_file.empty()) {
    auto opened = RevocationList::open(files.crl_file);
    if (!opened.list) return fail(opened.error);
    crl = std::move(opened.list);
  }
  if (files.requires_client_cert()) {
    // Without a CA file etcd verifies clients against the system's CAs; so does Larch.
    if (auto err = load_trust(*ctx, files.trusted_ca_file); !err.empty()) return fail(err);
    ctx->set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
    if (crl) {
      // A resumed session skips certificate verification, and with it the revocation list:
      // a certificate revoked after its first handshake could resume for as long as the
      // session lives. So no resumption at all while a list applies (etcd checks the list
      // on resumed connections too).
      SSL_CTX_set_session_cache_mode(ctx->native_handle(), SSL_SESS_CACHE_OFF);
      SSL_CTX_set_options(ctx->native_handle(), SSL_OP_NO_TICKET);
      SSL_CTX_set_num_tickets(ctx->native_handle(), 0);
    }
    add_client_checks(*ctx, files, std::move(crl));
  }
  // Session resumption with client verification needs a context id (else OpenSSL refuses
  // to resume, failing the handshake of a client that tries).
  static constexpr unsigned char kSessionContext[] = "larch";
  SSL_CTX_set_session_id_context(ctx->native_handle(), kSessionContext,
                                 sizeof(kSessionContext) - 1);
  return TlsContext{std::move(ctx), {}};
}

TlsContext make_client_context(const TlsFiles& files) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
  restrict_protocols(*ctx);
  if (auto err = apply_cipher_suites(*ctx, files.cipher_suites); !err.empty()) return fail(err);
  if (!files.skip_verify) {
    if (auto err = load_trust(*ctx, files.trusted_ca_file); !err.empty()) return fail(err);
  }
  if (files.has_identity()) {
    if (auto err = load_identity(*ctx, files); !err.empty()) return fail(err);
  }
  ctx->set_verify_mode(files.skip_verify ? ssl::verify_none : ssl::verify_peer);
  return TlsContext{std::move(ctx), {}};
}

}  // namespace larch::tls
