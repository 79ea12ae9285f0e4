#pragma once
// Lets the kernel send lookups and readdirs of one directory concurrently.
#define FUSE_USE_VERSION 312
#include <fuse_lowlevel.h>

namespace slowfs {

/// libfuse before 3.16 (Debian 12 has 3.14) never sets FUSE_PARALLEL_DIROPS in
/// its INIT reply, so the kernel serialises lookups within each directory, which
/// a parallel file system does not. Call after fuse_session_mount(): the flag is
/// added to the INIT reply on its way to the kernel. Returns 0 on success.
int enable_parallel_dirops(fuse_session* se);

}  // namespace slowfs
