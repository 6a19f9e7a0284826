#include "tls/tls_context.h"

#include <openssl/ssl.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>

#include "tls/peer_identity.h"

namespace larch::tls {
namespace {

namespace ssl = boost::asio::ssl;

// Go's wording for an unreadable file ("open x: no such file or directory"), which is what
// etcd prints; OpenSSL's own messages for a missing file are less clear.
std::string unreadable(const std::string& file) {
  std::ifstream in(file);
  if (in) return {};
  std::string reason = std::strerror(errno);
  if (!reason.empty()) reason[0] = static_cast<char>(std::tolower(reason[0]));
  return "open " + file + ": " + reason;
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

TlsContext fail(std::string error) {
  return TlsContext{nullptr, std::move(error)};
}

}  // namespace

TlsContext make_server_context(const TlsFiles& files) {
  if (!files.has_identity()) return fail("tls: a certificate and a key are required");
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  restrict_protocols(*ctx);
  if (auto err = load_identity(*ctx, files); !err.empty()) return fail(err);
  if (files.requires_client_cert()) {
    // Without a CA file etcd verifies clients against the system's CAs; so does Larch.
    if (auto err = load_trust(*ctx, files.trusted_ca_file); !err.empty()) return fail(err);
    ctx->set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
    if (!files.allowed_cn.empty()) {
      ctx->set_verify_callback([cn = files.allowed_cn](bool verified, ssl::verify_context& vc) {
        X509_STORE_CTX* store = vc.native_handle();
        if (!verified || X509_STORE_CTX_get_error_depth(store) != 0) return verified;
        return common_name(X509_STORE_CTX_get_current_cert(store)) == cn;
      });
    }
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
