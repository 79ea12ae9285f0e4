#pragma once
// How many file descriptors each part of staging may hold at once, derived
// from RLIMIT_NOFILE and from what the process has open already (MPI's
// sockets and shared memory, the launcher's pipes): the extractor's cache of
// directory fds, the writer pool's queued bodies and rank 0's bundle files
// kept open between their turns. Staging must not run out of fds where
// `tar -x` does not, and must not raise the limit: python-mpi runs the user's
// Python in this process, under the user's limit.
#include <cstddef>
#include <cstdint>

namespace pybcast {

/// The soft limit and the fds open now, read once.
struct FdUsage {
  uint64_t limit = 0;  ///< RLIMIT_NOFILE's soft limit (unlimited: UINT64_MAX)
  size_t open = 0;     ///< open now
};

/// What this process will do while staging.
struct FdNeeds {
  bool extract = false;  ///< a node leader: the directory-fd cache
  bool pool = false;     ///< ... and a writer pool (--extract-threads > 1)
  size_t bundles = 0;    ///< rank 0: bundles it reads
};

/// The most fds each part may hold; 0 for a part this process does not run.
struct FdShares {
  size_t dir_cache = 0;      ///< SafeWriter's cached directory fds
  size_t queued_bodies = 0;  ///< WriterPool's bodies queued or being written
  size_t open_bundles = 0;   ///< BundleSet's bundle files open at once
};

/// Fds kept free for what opens later outside our control: MPI's connections
/// (one socket per TCP peer), libraries, the launcher.
inline constexpr size_t kFdReserve = 16;
/// Staging's own fds besides the shares, at most at once (fd_budget.cc lists them).
inline constexpr size_t kFdStagingFixed = 16;

/// Reads the soft limit and counts the open fds (one listing of /proc/self/fd).
FdUsage measure_fd_usage();

/// Splits limit - open - kFdReserve - kFdStagingFixed among the parts in
/// `needs`: each gets its minimum, then what is left by weight (rank 0's
/// bundles half, the directory cache and the pool a quarter each), each up
/// to what it can use; what one cannot use goes to the others. Throws Error
/// ("RLIMIT_NOFILE is 16; staging needs at least N open files ...") when
/// not even the minimums fit.
FdShares share_fds(const FdUsage& usage, const FdNeeds& needs);

}  // namespace pybcast
