#pragma once
// A SQLite VFS over the default one that gathers a WAL file's consecutive writes into one
// write, made at the next sync or at any other use of the file. SQLite writes each WAL
// frame as two writes (a 24-byte header, then the page): a raft-log transaction of ~10
// frames was ~20 pwrite system calls, and is one.
//
// Only for a database that a single connection opens in EXCLUSIVE locking mode (the raft
// log): its WAL index then lives in that connection's heap and nothing else reads the WAL
// file, so bytes still buffered can only be asked for by the same connection, through this
// file, and every method but xWrite writes the buffer out first. (With a shared WAL index,
// another connection could read a frame the index lists before the buffer reaches the file.)
// Durability is unchanged: xSync writes the buffer out before it syncs; an error of a
// deferred write is reported by the call that writes it out (xSync at a commit).
// Other files opened through it (the main database) are passed through untouched.
namespace larch::store {

// Registers the VFS with SQLite on first use (SQLite's list of VFSes is process-wide; the
// registration is made once and never changes) and returns the name to open a file with.
const char* coalescing_vfs_name();

}  // namespace larch::store
