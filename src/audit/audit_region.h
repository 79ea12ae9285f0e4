#pragma once
/* The record one rank's file-system operations go to under --audit: a table
 * in shared memory (a memfd python-mpi creates before it re-executes itself
 * with the preload library), so the library's two copies, the one LD_PRELOAD
 * loads into the program and the one LD_AUDIT loads into the loader's own
 * namespace, and the launcher that reads it at exit all see one table. C and
 * C++ both include this; fields are touched only through __atomic builtins.
 * Inserting is lock-free (a slot's key is claimed once by compare-and-swap),
 * so a signal handler may record too. */
#include <stddef.h>
#include <stdint.h>

#define PYBCAST_AUDIT_MAGIC 0x3174696475616270ull /* "pbaudit1" */
#define PYBCAST_AUDIT_SLOTS 65536u                /* distinct paths; a power of two */
#define PYBCAST_AUDIT_ARENA (16u << 20)           /* bytes of path text */
#define PYBCAST_AUDIT_PREFIX_MAX 1024u
/* The memfd's number, in the environment of the re-executed launcher. */
#define PYBCAST_AUDIT_FD_ENV "PYBCAST_AUDIT_FD"

enum pybcast_audit_op {
  PYBCAST_AUDIT_OPEN,     /* open, openat, fopen */
  PYBCAST_AUDIT_STAT,     /* stat, lstat, fstatat, statx */
  PYBCAST_AUDIT_ACCESS,   /* access, faccessat */
  PYBCAST_AUDIT_READDIR,  /* opendir */
  PYBCAST_AUDIT_READLINK, /* readlink, readlinkat */
  PYBCAST_AUDIT_SEARCH,   /* the dynamic loader trying a library path (la_objsearch) */
  PYBCAST_AUDIT_OPS
};

struct pybcast_audit_slot {
  uint64_t key;         /* hash of the path, never 0; 0 while the slot is free */
  uint32_t ready;       /* 1 once path_offset and path_length are written */
  uint32_t path_offset; /* into the arena */
  uint32_t path_length;
  uint32_t failed; /* operations that failed (a search that did not find the library) */
  uint32_t ops[PYBCAST_AUDIT_OPS];
};

struct pybcast_audit_header {
  uint64_t magic;
  uint32_t slots;
  uint32_t arena_size;
  uint32_t arena_used;
  uint32_t enabled; /* 0: record nothing (the launcher stops recording before it reads) */
  uint64_t dropped; /* operations not recorded: the table or the arena was full */
  uint32_t used;    /* slots claimed: the first `used` entries of the order array name them */
  uint32_t skip_length;
  char skip_prefix[PYBCAST_AUDIT_PREFIX_MAX]; /* the staged tree: paths under it are not recorded */
};

/* The region: the header, then `slots` slots, the order array (the index of
 * each claimed slot, in claiming order, so a reader visits only those), then
 * the arena. */
static inline size_t pybcast_audit_slots_offset(void) {
  return (sizeof(struct pybcast_audit_header) + 63u) & ~(size_t)63u;
}
static inline size_t pybcast_audit_order_offset(void) {
  return pybcast_audit_slots_offset() + (size_t)PYBCAST_AUDIT_SLOTS * sizeof(struct pybcast_audit_slot);
}
static inline size_t pybcast_audit_arena_offset(void) {
  return pybcast_audit_order_offset() + (size_t)PYBCAST_AUDIT_SLOTS * sizeof(uint32_t);
}
static inline size_t pybcast_audit_region_size(void) { return pybcast_audit_arena_offset() + PYBCAST_AUDIT_ARENA; }
