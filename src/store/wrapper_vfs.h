#pragma once
// SQLite VFSes over the default (unix) one, each registered under its own name; a
// connection picks one by name when it opens its database. Both leave durability as it is.
//
// Coalescing (the raft log): gathers a WAL file's consecutive writes into one write, made at
// the next sync or at any other use of the file. SQLite writes each WAL frame as two writes
// (a 24-byte header, then the page): a raft-log transaction of ~10 frames was ~20 pwrite
// system calls, and is one. Only for a database that a single connection opens in EXCLUSIVE
// locking mode: its WAL index then lives in that connection's heap and nothing else reads
// the WAL file, so bytes still buffered can only be asked for by the same connection,
// through this file, and every method but xWrite writes the buffer out first. (With a
// shared WAL index, another connection could read a frame the index lists before the buffer
// reaches the file.) xSync writes the buffer out before it syncs; an error of a deferred
// write is reported by the call that writes it out (xSync at a commit). Other files opened
// through it (the main database) are passed through untouched.
//
// Paced (the key space): once 512 KiB have been written to the main database or its WAL
// since the last step, it starts the writeback of the file's dirty pages and waits for it
// (sync_file_range), so the data goes to the disk while it is written, not in one burst at
// the fsync of a checkpoint. Why: keys.db's flushes and checkpoints write tens of MB at once,
// and a cache flush of a (virtual) disk waits for every write queued before it; those MB
// made each raft.db fsync of the next ~50 ms wait behind them (three-member put: p99
// latency 53-77 ms, 10-12 ms paced). sync_file_range promises nothing about durability;
// SQLite's own xSync calls still make the file durable. Files without a name (temporary
// files), other kinds, and files whose descriptor cannot be confirmed are passed through.
namespace larch::store {

// Register the VFS with SQLite on first use (SQLite's list of VFSes is process-wide; the
// registration is made once and never changes) and return the name to open a file with
// (null if SQLite refused it).
const char* coalescing_vfs_name();
const char* paced_vfs_name();

// A file-control opcode both answer (sqlite3_file_control, or a file's xFileControl): the
// writeback steps taken on that file since it was opened, into a sqlite3_int64 (0 for a
// file not paced). For tests and diagnostics.
constexpr int kFcntlPaceSteps = 0x4c50;  // above SQLite's own opcodes

}  // namespace larch::store
