// make_self_signed / self_signed_files (auto TLS): what the certificate says, the files and
// their modes, reuse across starts, and real handshakes with contexts built from them.
#include "tls/self_signed.h"

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "../temp_dir.h"
#include "handshake.h"
#include "tls/tls_context.h"

namespace fs = std::filesystem;
using namespace larch::tls;
using larch::tls::testing::handshake;

using larch::testing::TempDir;

namespace {

struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct KeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using CertPtr = std::unique_ptr<X509, X509Free>;
using KeyPtr = std::unique_ptr<EVP_PKEY, KeyFree>;

CertPtr parse_cert(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  CertPtr cert(PEM_read_bio_X509(bio, nullptr, nullptr, nullptr));
  BIO_free(bio);
  REQUIRE(cert);
  return cert;
}

KeyPtr parse_key(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  KeyPtr key(PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr));
  BIO_free(bio);
  REQUIRE(key);
  return key;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

unsigned mode_of(const std::string& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_mode & 0777;
}

std::shared_ptr<boost::asio::ssl::context> context_of(const TlsContext& c) {
  INFO(c.error);
  REQUIRE(c.context);
  return c.context;
}

// Seconds from `t` (an ASN1_TIME) to now; negative when t is in the past.
long seconds_from_now(const ASN1_TIME* t) {
  int days = 0, secs = 0;
  REQUIRE(ASN1_TIME_diff(&days, &secs, nullptr, t) == 1);
  return days * 86400L + secs;
}

}  // namespace

TEST_CASE("self-signed: etcd's certificate for the given hosts", "[self_signed]") {
  SelfSignedPem pem = make_self_signed({"127.0.0.1", "localhost", "::1", "127.0.0.1", ""});
  INFO(pem.error);
  REQUIRE(pem.error.empty());
  CHECK_THAT(pem.cert, Catch::StartsWith("-----BEGIN CERTIFICATE-----"));
  CHECK_THAT(pem.key, Catch::StartsWith("-----BEGIN EC PRIVATE KEY-----"));  // as etcd
  CertPtr cert = parse_cert(pem.cert);
  KeyPtr key = parse_key(pem.key);
  CHECK(X509_check_private_key(cert.get(), key.get()) == 1);
  CHECK(X509_verify(cert.get(), key.get()) == 1);  // signed by its own key
  char curve[64] = {};
  size_t len = 0;
  REQUIRE(EVP_PKEY_get_group_name(key.get(), curve, sizeof curve, &len) == 1);
  CHECK(std::string(curve) == "secp521r1");
  CHECK(X509_get_signature_nid(cert.get()) == NID_ecdsa_with_SHA512);
  // Subject = issuer = O=etcd.
  char subject[128] = {};
  X509_NAME_oneline(X509_get_subject_name(cert.get()), subject, sizeof subject);
  CHECK(std::string(subject) == "/O=etcd");
  CHECK(X509_NAME_cmp(X509_get_subject_name(cert.get()), X509_get_issuer_name(cert.get())) == 0);
  // Valid from now for 365 days.
  CHECK(std::labs(seconds_from_now(X509_get0_notBefore(cert.get()))) < 60);
  CHECK(std::labs(seconds_from_now(X509_get0_notAfter(cert.get())) - 365L * 86400) < 60);
  // SAN: the IPs and the DNS name; nothing else.
  CHECK(X509_check_ip_asc(cert.get(), "127.0.0.1", 0) == 1);
  CHECK(X509_check_ip_asc(cert.get(), "::1", 0) == 1);
  CHECK(X509_check_host(cert.get(), "localhost", 0, 0, nullptr) == 1);
  CHECK(X509_check_ip_asc(cert.get(), "127.0.0.2", 0) == 0);
  CHECK(X509_check_host(cert.get(), "example.com", 0, 0, nullptr) == 0);
  auto* names = static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(cert.get(), NID_subject_alt_name, nullptr, nullptr));
  REQUIRE(names);
  CHECK(sk_GENERAL_NAME_num(names) == 3);  // the duplicate and the empty host are dropped
  GENERAL_NAMES_free(names);
  // Key usages; not a CA.
  CHECK(X509_get_key_usage(cert.get()) == (KU_DIGITAL_SIGNATURE | KU_KEY_ENCIPHERMENT));
  CHECK(X509_get_extended_key_usage(cert.get()) == (XKU_SSL_SERVER | XKU_SSL_CLIENT));
  CHECK(X509_check_ca(cert.get()) == 0);
  // A fresh serial each time.
  SelfSignedPem other = make_self_signed({"127.0.0.1"});
  CertPtr cert2 = parse_cert(other.cert);
  CHECK(ASN1_INTEGER_cmp(X509_get0_serialNumber(cert.get()), X509_get0_serialNumber(cert2.get())) !=
        0);
  // No hosts: no SAN extension at all.
  SelfSignedPem bare = make_self_signed({});
  CertPtr cert3 = parse_cert(bare.cert);
  CHECK(X509_get_ext_by_NID(cert3.get(), NID_subject_alt_name, -1) < 0);
}

TEST_CASE("self-signed files: created with parents, modes, reused, replaced", "[self_signed]") {
  TempDir t;
  std::string dir = (t.path() / "data" / "fixtures" / "client").string();
  SelfSignedFiles made = self_signed_files(dir, {"127.0.0.1"});
  INFO(made.error);
  REQUIRE(made.error.empty());
  CHECK(made.generated);
  CHECK(made.cert_file == dir + "/cert.pem");
  CHECK(made.key_file == dir + "/key.pem");
  CHECK(mode_of(made.key_file) == 0600);
  CHECK(mode_of(dir) == 0700);
  CHECK(mode_of((t.path() / "data").string()) == 0700);  // parents created too (etcd: 0700)
  CHECK_FALSE(fs::exists(made.key_file + ".tmp"));
  CHECK_FALSE(fs::exists(made.cert_file + ".tmp"));
  std::string cert = slurp(made.cert_file), key = slurp(made.key_file);
  CHECK(X509_check_private_key(parse_cert(cert).get(), parse_key(key).get()) == 1);

  // The next start reuses both files, even for other hosts (etcd too).
  SelfSignedFiles again = self_signed_files(dir, {"localhost"});
  REQUIRE(again.error.empty());
  CHECK_FALSE(again.generated);
  CHECK(again.cert_file == made.cert_file);
  CHECK(slurp(again.cert_file) == cert);
  CHECK(slurp(again.key_file) == key);

  // One of them missing: a new pair replaces both.
  fs::remove(made.key_file);
  SelfSignedFiles fresh = self_signed_files(dir, {"127.0.0.1"});
  REQUIRE(fresh.error.empty());
  CHECK(fresh.generated);
  CHECK(slurp(fresh.cert_file) != cert);
  CHECK(X509_check_private_key(parse_cert(slurp(fresh.cert_file)).get(),
                               parse_key(slurp(fresh.key_file)).get()) == 1);

  // A file where the directory should be: an error, no paths.
  std::ofstream((t.path() / "file").string()) << "x";
  SelfSignedFiles bad = self_signed_files((t.path() / "file" / "sub").string(), {"127.0.0.1"});
  CHECK_THAT(bad.error, Catch::StartsWith("tls: cannot create directory "));
  CHECK(bad.cert_file.empty());
  CHECK(bad.key_file.empty());
}

TEST_CASE("self-signed: a server context from the files shakes hands", "[self_signed]") {
  TempDir t;
  SelfSignedFiles made = self_signed_files((t.path() / "peer").string(), {"127.0.0.1"});
  REQUIRE(made.error.empty());
  TlsFiles files;
  files.cert_file = made.cert_file;
  files.key_file = made.key_file;
  auto server = context_of(make_server_context(files));

  // A client that skips verification (auto TLS peers; curl -k) gets through.
  TlsFiles skipping;
  skipping.skip_verify = true;
  auto insecure = context_of(make_client_context(skipping));
  auto o = handshake(*server, *insecure);
  CHECK(o.server_ok);
  CHECK(o.client_ok);
  CHECK(handshake(*server, *insecure, "other.example").client_ok);  // no host check either

  // A verifying client does not trust it (the system's CAs) ...
  auto verifying = context_of(make_client_context(TlsFiles{}));
  CHECK_FALSE(handshake(*server, *verifying).client_ok);
  // ... unless given the certificate itself as its CA, and then only for its hosts.
  TlsFiles pinned;
  pinned.trusted_ca_file = made.cert_file;
  auto pinning = context_of(make_client_context(pinned));
  CHECK(handshake(*server, *pinning, "127.0.0.1").client_ok);
  CHECK_FALSE(handshake(*server, *pinning, "127.0.0.2").client_ok);

  // Presented as a client certificate (auto TLS peers do), it passes a server that trusts it:
  // the certificate allows clientAuth.
  TlsFiles requiring = files;
  requiring.trusted_ca_file = made.cert_file;
  requiring.client_cert_auth = true;
  auto strict = context_of(make_server_context(requiring));
  TlsFiles presenting = files;
  presenting.skip_verify = true;
  auto peer = context_of(make_client_context(presenting));
  o = handshake(*strict, *peer);
  CHECK(o.server_ok);
  CHECK(o.client_ok);
  CHECK_FALSE(handshake(*strict, *insecure).server_ok);  // no certificate: refused
}
