#pragma once
// A certificate revocation list file (--client-crl-file, --peer-crl-file), applied the way
// etcd applies it: a certificate is refused when its serial number is listed, whoever issued
// it; the list's signature and dates are not looked at.
//
// etcd reads the file again for every connection and, when it is missing or unreadable,
// starts anyway and then refuses every client certificate. Larch reads it at startup, where
// a missing or unparsable file stops the member with one line, and again only when the
// file's identity, size or modification time changes, so a list replaced in place applies
// from the next handshake. A changed file that cannot be read refuses every certificate
// until it can (fail closed, as etcd). Thread-safe: every I/O thread's handshakes use one.
#include <openssl/x509.h>
#include <sys/stat.h>

#include <memory>
#include <mutex>
#include <set>
#include <string>

namespace larch::tls {

class RevocationList {
 public:
  struct Opened {
    std::shared_ptr<RevocationList> list;  // null on error
    std::string error;                     // "open x: no such file or directory", ...
  };
  // Reads `path`: one or more PEM CRLs, or one DER CRL.
  static Opened open(const std::string& path);

  // Empty if `cert` may pass; else why not, in etcd's words ("transport: certificate serial
  // 1f... revoked"), or the reason the changed list cannot be read.
  std::string refusal(const X509* cert);

  explicit RevocationList(std::string path) : path_(std::move(path)) {}

 private:
  struct Version {
    dev_t dev = 0;
    ino_t ino = 0;
    off_t size = -1;
    timespec mtime{};
    bool operator==(const Version& o) const;
  };
  // Re-reads the file if it changed; called with mu_ held.
  void refresh();
  // Parses the file into serials_ (big-endian magnitude bytes); empty on success.
  std::string load();

  const std::string path_;
  std::mutex mu_;
  Version version_;
  std::set<std::string> serials_;
  std::string error_;  // non-empty: the current file cannot be used
};

}  // namespace larch::tls
