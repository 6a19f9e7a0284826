#pragma once
// A point-in-time copy of the key space (keys.db) as one standalone SQLite database file,
// for Raft snapshot transfer: the leader writes it, the transport streams it to a lagging
// follower (never holding it in memory), which installs it with
// KeyStore::install_snapshot_file().
#include <cstdint>
#include <optional>
#include <string>

namespace larch::store {

struct SnapshotImage {
  std::string path;            // a complete SQLite database file (rollback mode, no journal)
  uint64_t size = 0;           // its size in bytes
  uint64_t applied_index = 0;  // the raft index / term the content corresponds to, read from
  uint64_t applied_term = 0;   // the image's own meta rows (so always consistent with it)
};

// Copies the key-space database at keys_db_path (the live file; the KeyStore may keep writing
// meanwhile) on its own read-only connection into a new file at image_path (an existing one
// is replaced), as ONE consistent snapshot: the content of a single committed batch. Any
// thread. Memory: SQLite's page caches, whatever the database's size. The file is not
// fsynced (a crash leaves garbage for the next start to remove, never a used image).
// On failure removes the partial file, returns std::nullopt and, if error is non-null,
// sets *error.
// Note: only batches the writer has committed are seen (its open batch is not).
std::optional<SnapshotImage> write_snapshot_image(const std::string& keys_db_path,
                                                  const std::string& image_path,
                                                  std::string* error);

// Header bytes 18/19 (file format write/read version: 1 = rollback journal, 2 = WAL). A copy
// of a WAL-mode file says 2, and opening it would put the copy in WAL mode; the page content
// is identical in both modes, so an image is marked rollback mode. No-op for a file that
// already is, or is shorter than a header. Throws std::runtime_error on an I/O error.
void force_rollback_header(const std::string& path);

}  // namespace larch::store
