#include "tls/revocation_list.h"

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include <cerrno>
#include <fstream>
#include <iterator>

#include "util/go_open_error.h"
#include "util/hex_bytes.h"

namespace larch::tls {
namespace {

// Go's SerialNumber.Bytes(): the magnitude, big-endian, without leading zeros; what etcd
// compares.
std::string serial_bytes(const ASN1_INTEGER* serial) {
  std::string out;
  BIGNUM* bn = ASN1_INTEGER_to_BN(serial, nullptr);
  if (!bn) return out;
  out.resize(static_cast<size_t>(BN_num_bytes(bn)));
  BN_bn2bin(bn, reinterpret_cast<unsigned char*>(out.data()));
  BN_free(bn);
  return out;
}

void add_revoked(X509_CRL* crl, std::set<std::string>& serials) {
  STACK_OF(X509_REVOKED)* revoked = X509_CRL_get_REVOKED(crl);
  for (int i = 0; i < sk_X509_REVOKED_num(revoked); ++i) {
    serials.insert(serial_bytes(X509_REVOKED_get0_serialNumber(sk_X509_REVOKED_value(revoked, i))));
  }
}

// Every PEM "X509 CRL" block of `text`; false if there is none.
bool parse_pem(const std::string& text, std::set<std::string>& serials) {
  BIO* bio = BIO_new_mem_buf(text.data(), static_cast<int>(text.size()));
  bool any = false;
  while (X509_CRL* crl = PEM_read_bio_X509_CRL(bio, nullptr, nullptr, nullptr)) {
    add_revoked(crl, serials);
    X509_CRL_free(crl);
    any = true;
  }
  BIO_free(bio);
  return any;
}

bool parse_der(const std::string& bytes, std::set<std::string>& serials) {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  X509_CRL* crl = d2i_X509_CRL(nullptr, &p, static_cast<long>(bytes.size()));
  if (!crl) return false;
  add_revoked(crl, serials);
  X509_CRL_free(crl);
  return true;
}

}  // namespace

bool RevocationList::Version::operator==(const Version& o) const {
  return dev == o.dev && ino == o.ino && size == o.size && mtime.tv_sec == o.mtime.tv_sec &&
         mtime.tv_nsec == o.mtime.tv_nsec;
}

RevocationList::Opened RevocationList::open(const std::string& path) {
  auto list = std::make_shared<RevocationList>(path);
  std::lock_guard lock(list->mu_);
  list->refresh();
  if (!list->error_.empty()) return Opened{nullptr, list->error_};
  return Opened{std::move(list), {}};
}

std::string RevocationList::refusal(const X509* cert) {
  std::string serial = serial_bytes(X509_get0_serialNumber(cert));
  std::lock_guard lock(mu_);
  refresh();
  if (!error_.empty()) return error_;
  if (serials_.count(serial))
    return "transport: certificate serial " + util::to_hex(serial) + " revoked";
  return {};
}

void RevocationList::refresh() {
  struct stat st {};
  if (::stat(path_.c_str(), &st) != 0) {
    error_ = util::go_open_error(path_, errno);
    version_ = Version{};
    return;
  }
  Version now{st.st_dev, st.st_ino, st.st_size, st.st_mtim};
  if (now == version_ && error_.empty()) return;
  version_ = now;
  error_ = load();
}

std::string RevocationList::load() {
  std::ifstream in(path_, std::ios::binary);
  if (!in) return util::go_open_error(path_, errno);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::set<std::string> serials;
  bool parsed = parse_pem(bytes, serials) || parse_der(bytes, serials);
  ERR_clear_error();  // the PEM reader's "no start line" at the end, or the DER reader's
  if (!parsed) {
    return "tls: cannot parse the certificate revocation list " + path_;
  }
  serials_ = std::move(serials);
  return {};
}

}  // namespace larch::tls
