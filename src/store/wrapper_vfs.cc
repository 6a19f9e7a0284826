#include "store/wrapper_vfs.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <cstddef>
#include <cstdint>
#include <new>
#include <string>

namespace larch::store {
namespace {

// Beyond this many buffered bytes the buffer is written out before it grows (a large
// transaction, a snapshot install). The default (unix) VFS cannot take one write of 128 KiB
// or more: it masks a write's length to 17 bits (seekAndWriteFd), so a larger one fails as
// SQLITE_FULL. A raft-log transaction is ~40 KB (ten frames).
constexpr size_t kMaxBuffered = 120u << 10;

struct Pending {
  sqlite3_int64 start = 0;  // file offset of bytes[0]
  std::string bytes;
};

// What SQLite allocates for a file of this VFS (szOsFile bytes, not constructed): our part,
// then the default VFS's file at kRealOffset. Standard layout: `base` first, plain members.
struct File {
  sqlite3_file base;
  sqlite3_file* real;
  Pending* pending;  // null: writes not coalesced
  int pace_fd;       // -1: not paced; else the real file's descriptor (borrowed)
  size_t unpaced;    // bytes written since the last writeback step
  int64_t steps;     // writeback steps taken (kFcntlPaceSteps)
};

// What each registration of the wrapper does (its pAppData).
struct Config {
  sqlite3_vfs* base;
  bool coalesce;  // buffer a WAL file's consecutive writes
  bool pace;      // write the main file's and WAL's data back every kPaceStep bytes
};

// A paced file's dirty pages go to the disk (and the writer waits for them) once this many
// bytes have been written since the last step.
constexpr size_t kPaceStep = 512u << 10;

constexpr size_t kRealOffset = (sizeof(File) + alignof(std::max_align_t) - 1) /
                               alignof(std::max_align_t) * alignof(std::max_align_t);

File* as_file(sqlite3_file* p) {
  return reinterpret_cast<File*>(p);
}

sqlite3_file* real_of(sqlite3_file* p) {
  return as_file(p)->real;
}

const Config& config_of(sqlite3_vfs* vfs) {
  return *static_cast<const Config*>(vfs->pAppData);
}

sqlite3_vfs* under(sqlite3_vfs* vfs) {
  return config_of(vfs).base;
}

// The descriptor of a file the default (unix) VFS opened, or -1. Its sqlite3_file begins
// {methods, vfs, inode info, int fd}: not a public API, so the fd is used only if fstat
// shows it is the very file just opened. Borrowed, never closed here: closing another
// descriptor of a database would drop the process's POSIX locks on it.
int unix_fd(sqlite3_file* real, const char* name) {
  struct UnixFileHead {
    const sqlite3_io_methods* methods;
    sqlite3_vfs* vfs;
    void* inode;
    int fd;
  };
  int fd = reinterpret_cast<const UnixFileHead*>(real)->fd;
  struct stat opened {};
  struct stat named {};
  if (fd < 0 || fstat(fd, &opened) != 0 || stat(name, &named) != 0) return -1;
  return opened.st_dev == named.st_dev && opened.st_ino == named.st_ino ? fd : -1;
}

// Starts writeback of every dirty page of the file and waits for it; no durability promise
// (no cache flush, no metadata): only moves the data to the disk before the fsync would.
void pace(File* f, int amount) {
  if (f->pace_fd < 0) return;
  f->unpaced += static_cast<size_t>(amount);
  if (f->unpaced < kPaceStep) return;
  f->unpaced = 0;
  ++f->steps;
  sync_file_range(f->pace_fd, 0, 0,
                  SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER);
}

int write_out(File* f) {
  if (!f->pending || f->pending->bytes.empty()) return SQLITE_OK;
  Pending& p = *f->pending;
  int rc =
      f->real->pMethods->xWrite(f->real, p.bytes.data(), static_cast<int>(p.bytes.size()), p.start);
  p.bytes.clear();
  return rc;
}

// ----- io methods: every one but x_write writes a coalesced buffer out before it forwards.

int x_close(sqlite3_file* p) {
  File* f = as_file(p);
  int rc = write_out(f);
  int closed = f->real->pMethods->xClose(f->real);
  delete f->pending;
  f->pending = nullptr;
  f->pace_fd = -1;
  return rc != SQLITE_OK ? rc : closed;
}

int x_read(sqlite3_file* p, void* out, int amount, sqlite3_int64 offset) {
  int rc = write_out(as_file(p));
  if (rc != SQLITE_OK) return rc;
  return real_of(p)->pMethods->xRead(real_of(p), out, amount, offset);
}

int x_write(sqlite3_file* p, const void* data, int amount, sqlite3_int64 offset) {
  File* f = as_file(p);
  if (!f->pending) {
    int rc = f->real->pMethods->xWrite(f->real, data, amount, offset);
    if (rc == SQLITE_OK) pace(f, amount);
    return rc;
  }
  Pending& pend = *f->pending;
  if (static_cast<size_t>(amount) > kMaxBuffered) {  // never with pages of at most 64 KiB
    int rc = write_out(f);
    return rc != SQLITE_OK ? rc : f->real->pMethods->xWrite(f->real, data, amount, offset);
  }
  auto size = static_cast<sqlite3_int64>(pend.bytes.size());
  bool follows = offset == pend.start + size;
  if (!pend.bytes.empty() &&
      (!follows || pend.bytes.size() + static_cast<size_t>(amount) > kMaxBuffered)) {
    int rc = write_out(f);
    if (rc != SQLITE_OK) return rc;
  }
  if (pend.bytes.empty()) pend.start = offset;
  pend.bytes.append(static_cast<const char*>(data), static_cast<size_t>(amount));
  return SQLITE_OK;
}

int x_truncate(sqlite3_file* p, sqlite3_int64 size) {
  int rc = write_out(as_file(p));
  return rc != SQLITE_OK ? rc : real_of(p)->pMethods->xTruncate(real_of(p), size);
}

int x_sync(sqlite3_file* p, int flags) {
  int rc = write_out(as_file(p));
  return rc != SQLITE_OK ? rc : real_of(p)->pMethods->xSync(real_of(p), flags);
}

int x_file_size(sqlite3_file* p, sqlite3_int64* size) {
  int rc = write_out(as_file(p));
  return rc != SQLITE_OK ? rc : real_of(p)->pMethods->xFileSize(real_of(p), size);
}

int x_lock(sqlite3_file* p, int level) {
  return real_of(p)->pMethods->xLock(real_of(p), level);
}

int x_unlock(sqlite3_file* p, int level) {
  int rc = write_out(as_file(p));
  return rc != SQLITE_OK ? rc : real_of(p)->pMethods->xUnlock(real_of(p), level);
}

int x_check_reserved_lock(sqlite3_file* p, int* out) {
  return real_of(p)->pMethods->xCheckReservedLock(real_of(p), out);
}

int x_file_control(sqlite3_file* p, int op, void* arg) {
  if (op == kFcntlPaceSteps) {
    *static_cast<sqlite3_int64*>(arg) = as_file(p)->steps;
    return SQLITE_OK;
  }
  int rc = write_out(as_file(p));
  return rc != SQLITE_OK ? rc : real_of(p)->pMethods->xFileControl(real_of(p), op, arg);
}

int x_sector_size(sqlite3_file* p) {
  return real_of(p)->pMethods->xSectorSize(real_of(p));
}

int x_device_characteristics(sqlite3_file* p) {
  return real_of(p)->pMethods->xDeviceCharacteristics(real_of(p));
}

int x_shm_map(sqlite3_file* p, int region, int size, int extend, void volatile** out) {
  return real_of(p)->pMethods->xShmMap(real_of(p), region, size, extend, out);
}

int x_shm_lock(sqlite3_file* p, int offset, int n, int flags) {
  return real_of(p)->pMethods->xShmLock(real_of(p), offset, n, flags);
}

void x_shm_barrier(sqlite3_file* p) {
  real_of(p)->pMethods->xShmBarrier(real_of(p));
}

int x_shm_unmap(sqlite3_file* p, int delete_flag) {
  return real_of(p)->pMethods->xShmUnmap(real_of(p), delete_flag);
}

int x_fetch(sqlite3_file* p, sqlite3_int64 offset, int amount, void** out) {
  int rc = write_out(as_file(p));
  return rc != SQLITE_OK ? rc : real_of(p)->pMethods->xFetch(real_of(p), offset, amount, out);
}

int x_unfetch(sqlite3_file* p, sqlite3_int64 offset, void* page) {
  return real_of(p)->pMethods->xUnfetch(real_of(p), offset, page);
}

// Version 3, like the default unix VFS's files (which x_open requires).
constexpr sqlite3_io_methods kMethods = {3,
                                         x_close,
                                         x_read,
                                         x_write,
                                         x_truncate,
                                         x_sync,
                                         x_file_size,
                                         x_lock,
                                         x_unlock,
                                         x_check_reserved_lock,
                                         x_file_control,
                                         x_sector_size,
                                         x_device_characteristics,
                                         x_shm_map,
                                         x_shm_lock,
                                         x_shm_barrier,
                                         x_shm_unmap,
                                         x_fetch,
                                         x_unfetch};

// ----- vfs methods: open wraps; the rest forward to the default VFS.

int x_open(sqlite3_vfs* vfs, sqlite3_filename name, sqlite3_file* p, int flags, int* out_flags) {
  File* f = as_file(p);
  f->base.pMethods = nullptr;
  f->pending = nullptr;
  f->pace_fd = -1;
  f->unpaced = 0;
  f->steps = 0;
  f->real = reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(p) + kRealOffset);
  int rc = under(vfs)->xOpen(under(vfs), name, f->real, flags, out_flags);
  // A real file with methods must be closed through ours, even after a failure.
  if (!f->real->pMethods) return rc;
  if (f->real->pMethods->iVersion < 3) {  // not the default VFS this was written against
    f->real->pMethods->xClose(f->real);
    return SQLITE_CANTOPEN;
  }
  const Config& cfg = config_of(vfs);
  if (rc == SQLITE_OK && cfg.coalesce && (flags & SQLITE_OPEN_WAL)) {
    f->pending = new (std::nothrow) Pending;
  }
  if (rc == SQLITE_OK && cfg.pace && name && (flags & (SQLITE_OPEN_MAIN_DB | SQLITE_OPEN_WAL))) {
    f->pace_fd = unix_fd(f->real, name);  // -1: the file is simply not paced
  }
  f->base.pMethods = &kMethods;
  return rc;
}

int x_delete(sqlite3_vfs* vfs, const char* name, int sync_dir) {
  return under(vfs)->xDelete(under(vfs), name, sync_dir);
}

int x_access(sqlite3_vfs* vfs, const char* name, int flags, int* out) {
  return under(vfs)->xAccess(under(vfs), name, flags, out);
}

int x_full_pathname(sqlite3_vfs* vfs, const char* name, int n, char* out) {
  return under(vfs)->xFullPathname(under(vfs), name, n, out);
}

void* x_dl_open(sqlite3_vfs* vfs, const char* name) {
  return under(vfs)->xDlOpen(under(vfs), name);
}

void x_dl_error(sqlite3_vfs* vfs, int n, char* out) {
  under(vfs)->xDlError(under(vfs), n, out);
}

void (*x_dl_sym(sqlite3_vfs* vfs, void* handle, const char* symbol))(void) {
  return under(vfs)->xDlSym(under(vfs), handle, symbol);
}

void x_dl_close(sqlite3_vfs* vfs, void* handle) {
  under(vfs)->xDlClose(under(vfs), handle);
}

int x_randomness(sqlite3_vfs* vfs, int n, char* out) {
  return under(vfs)->xRandomness(under(vfs), n, out);
}

int x_sleep(sqlite3_vfs* vfs, int micros) {
  return under(vfs)->xSleep(under(vfs), micros);
}

int x_current_time(sqlite3_vfs* vfs, double* out) {
  return under(vfs)->xCurrentTime(under(vfs), out);
}

int x_get_last_error(sqlite3_vfs* vfs, int n, char* out) {
  return under(vfs)->xGetLastError(under(vfs), n, out);
}

int x_current_time_int64(sqlite3_vfs* vfs, sqlite3_int64* out) {
  return under(vfs)->xCurrentTimeInt64(under(vfs), out);
}

sqlite3_vfs make_vfs(const Config* cfg, const char* name) {
  sqlite3_vfs* base = cfg->base;
  sqlite3_vfs v{};
  v.iVersion = 2;
  v.szOsFile = static_cast<int>(kRealOffset) + base->szOsFile;
  v.mxPathname = base->mxPathname;
  v.zName = name;
  v.pAppData = const_cast<Config*>(cfg);
  v.xOpen = x_open;
  v.xDelete = x_delete;
  v.xAccess = x_access;
  v.xFullPathname = x_full_pathname;
  v.xDlOpen = x_dl_open;
  v.xDlError = x_dl_error;
  v.xDlSym = x_dl_sym;
  v.xDlClose = x_dl_close;
  v.xRandomness = x_randomness;
  v.xSleep = x_sleep;
  v.xCurrentTime = x_current_time;
  v.xGetLastError = x_get_last_error;
  v.xCurrentTimeInt64 = x_current_time_int64;
  return v;
}

// Fills cfg and vfs (statics of the caller: SQLite keeps the pointers for the life of the
// process) and registers the VFS; its name, or null if SQLite refused it.
const char* register_vfs(Config& cfg, sqlite3_vfs& vfs, const char* name) {
  sqlite3_initialize();
  cfg.base = sqlite3_vfs_find(nullptr);
  vfs = make_vfs(&cfg, name);
  return sqlite3_vfs_register(&vfs, 0) == SQLITE_OK ? vfs.zName : nullptr;
}

}  // namespace

const char* coalescing_vfs_name() {
  // Registered once (thread-safe static initialisation), then only read.
  static Config cfg{nullptr, true, false};
  static sqlite3_vfs vfs{};
  static const char* name = register_vfs(cfg, vfs, "larch-coalescing");
  return name;
}

const char* paced_vfs_name() {
  static Config cfg{nullptr, false, true};
  static sqlite3_vfs vfs{};
  static const char* name = register_vfs(cfg, vfs, "larch-paced");
  return name;
}

}  // namespace larch::store
