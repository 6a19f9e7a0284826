#include "tls/self_signed.h"

#include <fcntl.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/ip/address.hpp>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>
#include <vector>

namespace larch::tls {
namespace {

namespace fs = std::filesystem;

constexpr long kValiditySeconds = 365L * 24 * 60 * 60;  // etcd 3.4: 365 days from now
constexpr int kSerialBits = 128;                        // etcd: rand.Int below 2^128

template <typename T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
template <typename T, void (*Free)(T*)>
using Owned = std::unique_ptr<T, Deleter<T, Free>>;

using Key = Owned<EVP_PKEY, EVP_PKEY_free>;
using Cert = Owned<X509, X509_free>;
using Bignum = Owned<BIGNUM, BN_free>;
using Bio = Owned<BIO, BIO_free_all>;
using Extension = Owned<X509_EXTENSION, X509_EXTENSION_free>;

void free_names(GENERAL_NAMES* names) {
  GENERAL_NAMES_free(names);
}
using Names = Owned<GENERAL_NAMES, free_names>;

// OpenSSL's reason for the last failure (and an empty error queue afterwards).
std::string openssl_error(const std::string& what) {
  unsigned long code = ERR_get_error();
  ERR_clear_error();
  std::string out = "tls: cannot " + what;
  if (code == 0) return out;
  char buf[256];
  ERR_error_string_n(code, buf, sizeof buf);
  return out + ": " + buf;
}

std::string errno_error(const std::string& what, const std::string& path) {
  return "tls: cannot " + what + " " + path + ": " + std::strerror(errno);
}

bool set_random_serial(X509* cert) {
  Bignum serial(BN_new());
  if (!serial || BN_rand(serial.get(), kSerialBits, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1) {
    return false;
  }
  if (BN_is_zero(serial.get()) && BN_one(serial.get()) != 1) return false;  // RFC 5280: > 0
  return BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert)) != nullptr;
}

// One SAN entry: an IP address (v4 or v6, as its bytes) or a DNS name; null on failure.
GENERAL_NAME* san_entry(const std::string& host) {
  boost::system::error_code ec;
  auto addr = boost::asio::ip::make_address(host, ec);
  std::vector<unsigned char> ip;
  if (!ec && addr.is_v4()) {
    auto b = addr.to_v4().to_bytes();
    ip.assign(b.begin(), b.end());
  } else if (!ec) {
    auto b = addr.to_v6().to_bytes();
    ip.assign(b.begin(), b.end());
  }
  int type = ip.empty() ? GEN_DNS : GEN_IPADD;
  ASN1_STRING* value = ip.empty() ? ASN1_IA5STRING_new() : ASN1_OCTET_STRING_new();
  GENERAL_NAME* name = GENERAL_NAME_new();
  bool ok =
      value && name &&
      (ip.empty() ? ASN1_STRING_set(value, host.data(), static_cast<int>(host.size()))
                  : ASN1_OCTET_STRING_set(value, ip.data(), static_cast<int>(ip.size()))) == 1;
  if (!ok) {
    GENERAL_NAME_free(name);
    ASN1_STRING_free(value);
    return nullptr;
  }
  GENERAL_NAME_set0_value(name, type, value);
  return name;
}

bool add_san(X509* cert, const std::vector<std::string>& hosts) {
  std::vector<std::string> unique;
  for (const auto& h : hosts) {
    if (!h.empty() && std::find(unique.begin(), unique.end(), h) == unique.end()) {
      unique.push_back(h);
    }
  }
  if (unique.empty()) return true;  // no SAN extension at all rather than an empty one
  Names names(sk_GENERAL_NAME_new_null());
  if (!names) return false;
  for (const auto& h : unique) {
    GENERAL_NAME* entry = san_entry(h);
    if (!entry) return false;
    if (sk_GENERAL_NAME_push(names.get(), entry) == 0) {
      GENERAL_NAME_free(entry);
      return false;
    }
  }
  return X509_add1_ext_i2d(cert, NID_subject_alt_name, names.get(), 0, X509V3_ADD_DEFAULT) == 1;
}

bool add_extension(X509* cert, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  Extension ext(X509V3_EXT_nconf_nid(nullptr, &ctx, nid, value));
  return ext && X509_add_ext(cert, ext.get(), -1) == 1;
}

// The certificate's fields, everything but the signature.
bool fill_certificate(X509* cert, EVP_PKEY* key, const std::vector<std::string>& hosts) {
  X509_NAME* name = X509_get_subject_name(cert);
  const auto* org = reinterpret_cast<const unsigned char*>("etcd");
  return X509_set_version(cert, X509_VERSION_3) == 1 && set_random_serial(cert) &&
         X509_gmtime_adj(X509_getm_notBefore(cert), 0) != nullptr &&
         X509_gmtime_adj(X509_getm_notAfter(cert), kValiditySeconds) != nullptr &&
         X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, org, -1, -1, 0) == 1 &&
         X509_set_issuer_name(cert, name) == 1 && X509_set_pubkey(cert, key) == 1 &&
         add_extension(cert, NID_key_usage, "critical,digitalSignature,keyEncipherment") &&
         add_extension(cert, NID_ext_key_usage, "serverAuth,clientAuth") &&
         add_extension(cert, NID_basic_constraints, "critical,CA:FALSE") && add_san(cert, hosts);
}

// The PEM text a write into a memory BIO produced; empty on failure.
template <typename Write>
std::string pem_text(Write write) {
  Bio bio(BIO_new(BIO_s_mem()));
  if (!bio || !write(bio.get())) return {};
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return len > 0 ? std::string(data, static_cast<size_t>(len)) : std::string();
}

// mkdir -p with mode 0700 for the directories it creates (etcd's TouchDirAll).
std::string make_dirs(const std::string& dir) {
  fs::path so_far;
  for (const auto& part : fs::path(dir)) {
    so_far /= part;
    if (part.empty()) continue;
    if (::mkdir(so_far.c_str(), 0700) != 0 && errno != EEXIST) {
      return errno_error("create directory", so_far.string());
    }
  }
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return "tls: cannot create directory " + dir;
  return {};
}

// Writes `data` to path + ".tmp" (fresh, `mode`), fsyncs it and renames it to `path`.
std::string write_file(const std::string& path, const std::string& data, mode_t mode) {
  std::string tmp = path + ".tmp";
  ::unlink(tmp.c_str());  // a leftover from an interrupted start
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) return errno_error("create", tmp);
  bool ok = ::write(fd, data.data(), data.size()) == static_cast<ssize_t>(data.size()) &&
            ::fsync(fd) == 0;
  std::string err = ok ? "" : errno_error("write", tmp);
  ::close(fd);
  if (err.empty() && ::rename(tmp.c_str(), path.c_str()) != 0) err = errno_error("write", path);
  if (!err.empty()) ::unlink(tmp.c_str());
  return err;
}

void sync_dir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

SelfSignedFiles files_error(std::string error) {
  SelfSignedFiles out;
  out.error = std::move(error);
  return out;
}

}  // namespace

SelfSignedPem make_self_signed(const std::vector<std::string>& hosts) {
  SelfSignedPem out;
  Key key(EVP_EC_gen("P-521"));
  if (!key) {
    out.error = openssl_error("generate an EC P-521 key");
    return out;
  }
  Cert cert(X509_new());
  if (!cert || !fill_certificate(cert.get(), key.get(), hosts)) {
    out.error = openssl_error("build a self-signed certificate");
    return out;
  }
  if (X509_sign(cert.get(), key.get(), EVP_sha512()) == 0) {
    out.error = openssl_error("sign a self-signed certificate");
    return out;
  }
  std::string cert_pem = pem_text([&](BIO* b) { return PEM_write_bio_X509(b, cert.get()); });
  std::string key_pem = pem_text([&](BIO* b) {
    return PEM_write_bio_PrivateKey_traditional(b, key.get(), nullptr, nullptr, 0, nullptr,
                                                nullptr);
  });
  if (cert_pem.empty() || key_pem.empty()) {
    out.error = openssl_error("encode a self-signed certificate");
    return out;
  }
  out.cert = std::move(cert_pem);
  out.key = std::move(key_pem);
  return out;
}

SelfSignedFiles self_signed_files(const std::string& dir, const std::vector<std::string>& hosts) {
  if (auto err = make_dirs(dir); !err.empty()) return files_error(err);
  SelfSignedFiles out;
  out.cert_file = (fs::path(dir) / "cert.pem").string();
  out.key_file = (fs::path(dir) / "key.pem").string();
  std::error_code ec;
  if (fs::exists(out.cert_file, ec) && fs::exists(out.key_file, ec)) return out;
  SelfSignedPem pem = make_self_signed(hosts);
  if (!pem.error.empty()) return files_error(pem.error);
  // No moment with the old certificate beside the new key.
  if (::unlink(out.cert_file.c_str()) != 0 && errno != ENOENT) {
    return files_error(errno_error("remove", out.cert_file));
  }
  if (auto err = write_file(out.key_file, pem.key, 0600); !err.empty()) return files_error(err);
  if (auto err = write_file(out.cert_file, pem.cert, 0644); !err.empty()) return files_error(err);
  sync_dir(dir);
  out.generated = true;
  return out;
}

}  // namespace larch::tls
