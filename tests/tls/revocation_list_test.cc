// RevocationList (--client-crl-file, --peer-crl-file) on its own, and in a server context
// with real handshakes; the allowed host name of client certificates.
#include "tls/revocation_list.h"

#include <openssl/pem.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>

#include "../temp_dir.h"
#include "handshake.h"
#include "tls/tls_context.h"
#include "tls_data.h"

namespace fs = std::filesystem;
using namespace larch::tls;
using larch::testing::TempDir;
using larch::tls::testing::handshake;

namespace {

using larch::tls::testing::data;

// The certificate in a PEM file; freed at scope exit.
struct Cert {
  explicit Cert(const std::string& file) {
    FILE* f = std::fopen(file.c_str(), "r");
    REQUIRE(f);
    x509 = PEM_read_X509(f, nullptr, nullptr, nullptr);
    std::fclose(f);
    REQUIRE(x509);
  }
  ~Cert() { X509_free(x509); }
  Cert(const Cert&) = delete;
  Cert& operator=(const Cert&) = delete;
  X509* x509 = nullptr;
};

// Replaces `to` with a copy of `from`, with a modification time `tick` seconds later than
// the file had, so a change is seen even within one clock tick.
void replace(const std::string& from, const std::string& to, int tick) {
  auto before = fs::exists(to) ? fs::last_write_time(to) : fs::file_time_type::clock::now();
  fs::copy_file(from, to, fs::copy_options::overwrite_existing);
  fs::last_write_time(to, before + std::chrono::seconds(tick));
}

TlsFiles server_requiring_certs() {
  TlsFiles f;
  f.cert_file = data("server.crt");
  f.key_file = data("server.key");
  f.trusted_ca_file = data("ca.crt");
  f.client_cert_auth = true;
  return f;
}

TlsFiles files_of(const std::string& who) {
  TlsFiles f;
  f.trusted_ca_file = data("ca.crt");
  f.cert_file = data(who + ".crt");
  f.key_file = data(who + ".key");
  return f;
}

}  // namespace

TEST_CASE("a listed serial number is refused, in PEM and DER", "[tls][crl]") {
  Cert alice(data("alice.crt"));
  Cert mallory(data("mallory.crt"));
  for (const char* file : {"crl-alice.pem", "crl-alice.der"}) {
    auto opened = RevocationList::open(data(file));
    INFO(file << ": " << opened.error);
    REQUIRE(opened.list);
    CHECK(opened.list->refusal(alice.x509) ==
          "transport: certificate serial 74a7aa5861f229e94a18563ef9a4118c0c982f76 revoked");
    CHECK(opened.list->refusal(mallory.x509).empty());
  }
  auto other = RevocationList::open(data("crl-other.pem"));
  REQUIRE(other.list);
  CHECK(other.list->refusal(alice.x509).empty());
  CHECK_FALSE(other.list->refusal(mallory.x509).empty());
}

TEST_CASE("an unusable file is an error at startup", "[tls][crl]") {
  auto missing = RevocationList::open(data("nope.pem"));
  CHECK_FALSE(missing.list);
  CHECK(missing.error == "open " + data("nope.pem") + ": no such file or directory");
  auto garbage = RevocationList::open(data("README.md"));
  CHECK_FALSE(garbage.list);
  CHECK(garbage.error == "tls: cannot parse the certificate revocation list " + data("README.md"));
}

TEST_CASE("a replaced file applies from the next check; a broken one refuses all", "[tls][crl]") {
  TempDir dir;
  std::string path = (dir.path() / "crl.pem").string();
  replace(data("crl-other.pem"), path, 0);
  auto opened = RevocationList::open(path);
  REQUIRE(opened.list);
  Cert alice(data("alice.crt"));
  CHECK(opened.list->refusal(alice.x509).empty());
  replace(data("crl-alice.der"), path, 1);
  CHECK_FALSE(opened.list->refusal(alice.x509).empty());
  replace(data("README.md"), path, 2);  // fail closed, as etcd
  CHECK_THAT(opened.list->refusal(alice.x509), Catch::StartsWith("tls: cannot parse"));
  fs::remove(path);
  CHECK_THAT(opened.list->refusal(alice.x509), Catch::StartsWith("open " + path));
  replace(data("crl-other.pem"), path, 3);
  CHECK(opened.list->refusal(alice.x509).empty());
}

TEST_CASE("a server context with a CRL refuses a revoked client certificate", "[tls][crl]") {
  auto alice = make_client_context(files_of("alice")).context;
  REQUIRE(alice);
  TlsFiles files = server_requiring_certs();
  files.crl_file = data("crl-alice.pem");
  auto revoking = make_server_context(files);
  REQUIRE(revoking.context);
  CHECK_FALSE(handshake(*revoking.context, *alice).server_ok);
  files.crl_file = data("crl-other.pem");
  auto other = make_server_context(files);
  REQUIRE(other.context);
  CHECK(handshake(*other.context, *alice).cn == "alice");
  files.crl_file = data("missing.pem");
  CHECK(make_server_context(files).error ==
        "open " + files.crl_file + ": no such file or directory");
}

TEST_CASE("allowed_hostname: the client certificate must be valid for it", "[tls]") {
  // server.crt doubles as a client certificate (clientAuth; SAN 127.0.0.1, localhost).
  auto with_san = make_client_context(files_of("server")).context;
  auto alice = make_client_context(files_of("alice")).context;  // no SAN
  REQUIRE(with_san);
  REQUIRE(alice);
  TlsFiles files = server_requiring_certs();
  for (const char* host : {"localhost", "127.0.0.1"}) {
    files.allowed_hostname = host;
    auto server = make_server_context(files).context;
    REQUIRE(server);
    CHECK(handshake(*server, *with_san).server_ok);
    CHECK_FALSE(handshake(*server, *alice).server_ok);
  }
  files.allowed_hostname = "other.example";
  auto server = make_server_context(files).context;
  CHECK_FALSE(handshake(*server, *with_san).server_ok);
  files.allowed_cn = "alice";
  CHECK(make_server_context(files).error ==
        "AllowedCN and AllowedHostname are mutually exclusive (cn=\"alice\", "
        "hostname=\"other.example\")");
}
