/* libpybcast_audit.so: what `python-mpi --audit` preloads. Interposes the
 * libc calls that look paths up (open, stat, access, opendir, readlink and
 * their variants) and, as an LD_AUDIT module, the dynamic loader's library
 * searches (la_objsearch), and counts each path in the shared table of
 * audit/audit_region.h. The launcher classifies the paths at exit.
 *
 * Rules: every call returns what libc returned, with its errno; nothing on
 * the recording path allocates, locks or makes a system call beyond getcwd /
 * readlink for a relative path, so it is async-signal-safe; without the
 * table (PYBCAST_AUDIT_FD unset) every call goes straight through. */
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "audit/audit_region.h"

#define EXPORT __attribute__((visibility("default")))

static struct pybcast_audit_header* region;
static int init_state; /* 0 not yet, 1 in progress, 2 done */

static void map_region(void) {
  int expected = 0;
  if (!__atomic_compare_exchange_n(&init_state, &expected, 1, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) return;
  const char* fd_text = getenv(PYBCAST_AUDIT_FD_ENV);
  if (fd_text != NULL && *fd_text != '\0') {
    int fd = atoi(fd_text);
    void* p = mmap(NULL, pybcast_audit_region_size(), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p != MAP_FAILED && ((struct pybcast_audit_header*)p)->magic == PYBCAST_AUDIT_MAGIC)
      __atomic_store_n(&region, (struct pybcast_audit_header*)p, __ATOMIC_RELEASE);
  }
  __atomic_store_n(&init_state, 2, __ATOMIC_RELEASE);
}

__attribute__((constructor)) static void audit_shim_init(void) { map_region(); }

static uint64_t hash_path(const char* path, size_t length) {
  uint64_t h = 1469598103934665603ull; /* FNV-1a */
  for (size_t i = 0; i < length; ++i) h = (h ^ (unsigned char)path[i]) * 1099511628211ull;
  return h | 1u;
}

static int under(const char* path, size_t length, const char* prefix, size_t prefix_length) {
  return length >= prefix_length && memcmp(path, prefix, prefix_length) == 0 &&
         (length == prefix_length || path[prefix_length] == '/');
}

static void count(struct pybcast_audit_slot* slot, int op, int failed) {
  __atomic_fetch_add(&slot->ops[op], 1u, __ATOMIC_RELAXED);
  if (failed) __atomic_fetch_add(&slot->failed, 1u, __ATOMIC_RELAXED);
}

static void record_absolute(struct pybcast_audit_header* h, const char* path, size_t length, int op, int failed) {
  /* Pseudo file systems are never remote; the staged tree is node-local by construction. */
  if (under(path, length, "/proc", 5) || under(path, length, "/sys", 4) || under(path, length, "/dev", 4)) return;
  uint32_t skip = __atomic_load_n(&h->skip_length, __ATOMIC_ACQUIRE);
  if (skip != 0 && under(path, length, h->skip_prefix, skip)) return;
  struct pybcast_audit_slot* slots = (struct pybcast_audit_slot*)((char*)h + pybcast_audit_slots_offset());
  char* arena = (char*)h + pybcast_audit_arena_offset();
  uint64_t key = hash_path(path, length);
  uint32_t mask = h->slots - 1;
  for (uint32_t probe = 0, i = (uint32_t)key & mask; probe < h->slots; ++probe, i = (i + 1) & mask) {
    struct pybcast_audit_slot* slot = &slots[i];
    uint64_t seen = __atomic_load_n(&slot->key, __ATOMIC_ACQUIRE);
    if (seen == 0) {
      uint64_t empty = 0;
      if (__atomic_compare_exchange_n(&slot->key, &empty, key, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
        uint32_t offset = __atomic_fetch_add(&h->arena_used, (uint32_t)length, __ATOMIC_RELAXED);
        if ((uint64_t)offset + length > h->arena_size) {
          slot->path_length = 0; /* claimed but nameless: its operations are dropped */
          __atomic_store_n(&slot->ready, 2u, __ATOMIC_RELEASE);
          break;
        }
        memcpy(arena + offset, path, length);
        slot->path_offset = offset;
        slot->path_length = (uint32_t)length;
        uint32_t* order = (uint32_t*)((char*)h + pybcast_audit_order_offset());
        __atomic_store_n(&order[__atomic_fetch_add(&h->used, 1u, __ATOMIC_RELAXED)], i, __ATOMIC_RELAXED);
        __atomic_store_n(&slot->ready, 1u, __ATOMIC_RELEASE);
        count(slot, op, failed);
        return;
      }
      seen = empty;
    }
    if (seen != key) continue;
    uint32_t ready = __atomic_load_n(&slot->ready, __ATOMIC_ACQUIRE);
    if (ready != 1) break; /* being written by another thread (or us, in a signal handler) */
    if (slot->path_length == length && memcmp(arena + slot->path_offset, path, length) == 0) {
      count(slot, op, failed);
      return;
    }
  }
  __atomic_fetch_add(&h->dropped, 1u, __ATOMIC_RELAXED);
}

/* Counts one operation on `path` (relative to `dirfd`). Keeps errno. */
static void record_at(int dirfd, const char* path, int op, int failed) {
  if (__atomic_load_n(&init_state, __ATOMIC_ACQUIRE) == 0) map_region();
  struct pybcast_audit_header* h = __atomic_load_n(&region, __ATOMIC_ACQUIRE);
  if (h == NULL || path == NULL || *path == '\0' || !__atomic_load_n(&h->enabled, __ATOMIC_RELAXED)) return;
  int saved = errno;
  size_t length = strlen(path);
  if (path[0] == '/') {
    record_absolute(h, path, length, op, failed);
  } else {
    char buffer[4096];
    long base;
    if (dirfd == AT_FDCWD) {
      base = syscall(SYS_getcwd, buffer, sizeof buffer);
      base = base > 0 ? base - 1 : -1; /* the kernel counts the NUL */
    } else {
      char link[32] = "/proc/self/fd/";
      char digits[12];
      int n = 0, d = dirfd;
      do digits[n++] = (char)('0' + d % 10), d /= 10;
      while (d > 0 && n < 11);
      size_t at = strlen(link);
      while (n > 0) link[at++] = digits[--n];
      link[at] = '\0';
      base = syscall(SYS_readlinkat, AT_FDCWD, link, buffer, sizeof buffer - 1);
    }
    if (base > 0 && buffer[0] == '/' && (size_t)base + 1 + length < sizeof buffer) {
      buffer[base] = '/';
      memcpy(buffer + base + 1, path, length);
      record_absolute(h, buffer, (size_t)base + 1 + length, op, failed);
    } else {
      __atomic_fetch_add(&h->dropped, 1u, __ATOMIC_RELAXED);
    }
  }
  errno = saved;
}

static void record(const char* path, int op, int failed) { record_at(AT_FDCWD, path, op, failed); }

/* libc's `name` (the next definition after ours), resolved by a constructor
 * so that no dlsym runs on the recording path; a call that comes before the
 * constructors ran (from another library's constructor) resolves it then. */
#define DECLARE_REAL(name, type)                                                 \
  static __typeof__(type) real_##name;                                           \
  __attribute__((constructor)) static void resolve_##name(void) {                \
    __atomic_store_n(&real_##name, (type)dlsym(RTLD_NEXT, #name), __ATOMIC_RELEASE); \
  }

#define REAL(name, type)                                                             \
  if (__atomic_load_n(&real_##name, __ATOMIC_ACQUIRE) == NULL) resolve_##name();     \
  if (real_##name == NULL) {                                                         \
    errno = ENOSYS;                                                                  \
  }

/* The mode argument of open: present only with O_CREAT or O_TMPFILE. */
#define OPEN_MODE(flags, last)                                      \
  mode_t mode = 0;                                                  \
  if (((flags) & O_CREAT) != 0 || ((flags) & __O_TMPFILE) == __O_TMPFILE) {  \
    va_list args;                                                   \
    va_start(args, last);                                           \
    mode = (mode_t)va_arg(args, int);                               \
    va_end(args);                                                   \
  }

#define WRAP_OPEN(name)                                         \
  DECLARE_REAL(name, int (*)(const char*, int, ...))            \
  EXPORT int name(const char* path, int flags, ...) {           \
    OPEN_MODE(flags, flags)                                     \
    REAL(name, int (*)(const char*, int, ...))                  \
    if (real_##name == NULL) return -1;                         \
    int fd = real_##name(path, flags, mode);                    \
    record(path, PYBCAST_AUDIT_OPEN, fd < 0);                   \
    return fd;                                                  \
  }
WRAP_OPEN(open)
WRAP_OPEN(open64)

/* ret name(params): libc's `name` with `args`, then `op` counted on `path`
 * (relative to `dirfd`), failed when `failed` holds for the result r. */
#define WRAP(ret, name, params, args, dirfd, path, op, failed, failure) \
  DECLARE_REAL(name, ret(*) params)                                     \
  EXPORT ret name params {                                              \
    REAL(name, ret(*) params)                                           \
    if (real_##name == NULL) return failure;                            \
    ret r = real_##name args;                                           \
    record_at(dirfd, path, op, failed);                                 \
    return r;                                                           \
  }

#define WRAP_OPEN_2(name) \
  WRAP(int, name, (const char* path, int flags), (path, flags), AT_FDCWD, path, PYBCAST_AUDIT_OPEN, r < 0, -1)
WRAP_OPEN_2(__open_2)
WRAP_OPEN_2(__open64_2)

#define WRAP_OPENAT(name)                                         \
  DECLARE_REAL(name, int (*)(int, const char*, int, ...))         \
  EXPORT int name(int dirfd, const char* path, int flags, ...) {  \
    OPEN_MODE(flags, flags)                                       \
    REAL(name, int (*)(int, const char*, int, ...))               \
    if (real_##name == NULL) return -1;                           \
    int fd = real_##name(dirfd, path, flags, mode);               \
    record_at(dirfd, path, PYBCAST_AUDIT_OPEN, fd < 0);           \
    return fd;                                                    \
  }
WRAP_OPENAT(openat)
WRAP_OPENAT(openat64)

#define WRAP_FOPEN(name) \
  WRAP(FILE*, name, (const char* path, const char* how), (path, how), AT_FDCWD, path, PYBCAST_AUDIT_OPEN, r == NULL, NULL)
WRAP_FOPEN(fopen)
WRAP_FOPEN(fopen64)

#define WRAP_STAT(name, buf) \
  WRAP(int, name, (const char* path, struct buf* st), (path, st), AT_FDCWD, path, PYBCAST_AUDIT_STAT, r != 0, -1)
WRAP_STAT(stat, stat)
WRAP_STAT(stat64, stat64)
WRAP_STAT(lstat, stat)
WRAP_STAT(lstat64, stat64)

#define WRAP_FSTATAT(name, buf)                                                                                 \
  WRAP(int, name, (int dirfd, const char* path, struct buf* st, int flags), (dirfd, path, st, flags), dirfd, path, \
       PYBCAST_AUDIT_STAT, r != 0, -1)
WRAP_FSTATAT(fstatat, stat)
WRAP_FSTATAT(fstatat64, stat64)

/* Binaries built against glibc before 2.33 (most wheels) call these. */
#define WRAP_XSTAT(name, buf)                                                                               \
  WRAP(int, name, (int version, const char* path, struct buf* st), (version, path, st), AT_FDCWD, path, \
       PYBCAST_AUDIT_STAT, r != 0, -1)
WRAP_XSTAT(__xstat, stat)
WRAP_XSTAT(__xstat64, stat64)
WRAP_XSTAT(__lxstat, stat)
WRAP_XSTAT(__lxstat64, stat64)

WRAP(int, statx, (int dirfd, const char* path, int flags, unsigned int mask, struct statx* st),
     (dirfd, path, flags, mask, st), dirfd, path, PYBCAST_AUDIT_STAT, r != 0, -1)
WRAP(int, access, (const char* path, int how), (path, how), AT_FDCWD, path, PYBCAST_AUDIT_ACCESS, r != 0, -1)
WRAP(int, faccessat, (int dirfd, const char* path, int how, int flags), (dirfd, path, how, flags), dirfd, path,
     PYBCAST_AUDIT_ACCESS, r != 0, -1)
WRAP(DIR*, opendir, (const char* path), (path), AT_FDCWD, path, PYBCAST_AUDIT_READDIR, r == NULL, NULL)
/* EINVAL: the path exists but is no symlink. The file was found, so that is
 * not a failed lookup (os.path.realpath and the loader ask it of plain files). */
WRAP(ssize_t, readlink, (const char* path, char* buffer, size_t size), (path, buffer, size), AT_FDCWD, path,
     PYBCAST_AUDIT_READLINK, r < 0 && errno != EINVAL, -1)
WRAP(ssize_t, readlinkat, (int dirfd, const char* path, char* buffer, size_t size), (dirfd, path, buffer, size), dirfd,
     path, PYBCAST_AUDIT_READLINK, r < 0 && errno != EINVAL, -1)

/* LD_AUDIT: this copy lives in the loader's audit namespace (globals and libc
 * of its own); the table is the same memory. */
EXPORT unsigned int la_version(unsigned int version) {
  map_region();
  return version < LAV_CURRENT ? version : LAV_CURRENT;
}

/* Each path the loader tries. Counted as failed until la_objopen names it. */
EXPORT char* la_objsearch(const char* name, uintptr_t* cookie, unsigned int flag) {
  (void)cookie;
  (void)flag;
  if (strchr(name, '/') != NULL) record(name, PYBCAST_AUDIT_SEARCH, 1);
  return (char*)name;
}

static void found(const char* path) {
  struct pybcast_audit_header* h = __atomic_load_n(&region, __ATOMIC_ACQUIRE);
  if (h == NULL || path == NULL || path[0] != '/') return;
  size_t length = strlen(path);
  struct pybcast_audit_slot* slots = (struct pybcast_audit_slot*)((char*)h + pybcast_audit_slots_offset());
  const char* arena = (const char*)h + pybcast_audit_arena_offset();
  uint64_t key = hash_path(path, length);
  uint32_t mask = h->slots - 1;
  for (uint32_t probe = 0, i = (uint32_t)key & mask; probe < h->slots; ++probe, i = (i + 1) & mask) {
    struct pybcast_audit_slot* slot = &slots[i];
    uint64_t seen = __atomic_load_n(&slot->key, __ATOMIC_ACQUIRE);
    if (seen == 0) return;
    if (seen != key || __atomic_load_n(&slot->ready, __ATOMIC_ACQUIRE) != 1) continue;
    if (slot->path_length != length || memcmp(arena + slot->path_offset, path, length) != 0) continue;
    uint32_t failed = __atomic_load_n(&slot->failed, __ATOMIC_RELAXED);
    while (failed > 0 && !__atomic_compare_exchange_n(&slot->failed, &failed, failed - 1, 0, __ATOMIC_RELAXED,
                                                      __ATOMIC_RELAXED)) {
    }
    return;
  }
}

EXPORT unsigned int la_objopen(struct link_map* map, Lmid_t lmid, uintptr_t* cookie) {
  (void)lmid;
  (void)cookie;
  found(map->l_name);
  return 0;
}
