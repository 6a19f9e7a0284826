#pragma once
// A point-in-time copy of the key space (keys.db) as one standalone SQLite database image,
// for Raft snapshot transfer: the leader makes it, a lagging follower installs it with
// KeyStore::install_snapshot().
#include <cstdint>
#include <optional>
#include <string>

namespace larch::store {

struct SnapshotImage {
  std::string bytes;           // a complete SQLite database (no WAL needed), key-space format
  uint64_t applied_index = 0;  // the raft index / term the content corresponds to, read from
  uint64_t applied_term = 0;   // the image's own meta rows (so always consistent with it)
};

// Copies the key-space database at keys_db_path (the live file; the KeyStore may keep writing
// meanwhile) on its own read-only connection, as ONE consistent snapshot: the content of a
// single committed batch. Any thread. Holds the whole database in memory twice while working.
// On failure returns std::nullopt and, if error is non-null, sets *error.
// Note: only batches the writer has committed are seen (its open batch is not).
std::optional<SnapshotImage> make_snapshot_image(const std::string& keys_db_path,
                                                 std::string* error);

}  // namespace larch::store
