#include "archive/fd_budget.h"

#include <algorithm>
#include <array>
#include <vector>

#include "util/error.h"
#include "util/io.h"

namespace pybcast {

// kFdStagingFixed covers what staging opens besides the shares, at most at
// once on rank 0 as a node leader: the node cache's root, cache/, locks/,
// pycache/, the key's lock file and the tmp directory (6); SafeWriter's fds
// beyond its cache within one entry (a directory passed through, the one being
// opened, a hard link target's parent when the cache is full: 3); the file the
// parser is creating or reading back (1); a directory bundle's file being
// streamed (1); libraries opening a file for a moment (4). After extraction,
// with the cache and the pool closed, the bytecode mirror's links (4), the
// stage record (2) and removing a failed tmp directory (3) take less.

namespace {

struct Part {
  size_t* share;
  size_t min;
  size_t max;
  size_t weight;
};

// Tar members come grouped by directory: beyond a few hundred cached
// directories the cache saves nothing. A handful works (SafeWriter closes
// the ancestors it cannot cache), slower on deep trees.
constexpr size_t kMinDirCache = 4;
constexpr size_t kMaxDirCache = 256;
// One queued body is enough for correctness (the parser then waits for the
// writers after each file); the byte cap (64 MiB) binds first beyond a few thousand.
constexpr size_t kMinQueuedBodies = 1;
constexpr size_t kMaxQueuedBodies = 4096;
// Rank 0 reads one bundle at a time: with one fd it reopens each at its turn.
constexpr size_t kMinOpenBundles = 1;

}  // namespace

FdUsage measure_fd_usage() { return FdUsage{io::open_files_limit(), io::open_files_count()}; }

FdShares share_fds(const FdUsage& usage, const FdNeeds& needs) {
  FdShares shares;
  std::array<Part, 3> all{{{&shares.dir_cache, kMinDirCache, kMaxDirCache, 1},
                           {&shares.queued_bodies, kMinQueuedBodies, kMaxQueuedBodies, 1},
                           {&shares.open_bundles, kMinOpenBundles, std::max(needs.bundles, kMinOpenBundles), 2}}};
  std::array<bool, 3> present{needs.extract, needs.extract && needs.pool, needs.bundles > 0};
  std::vector<Part> parts;
  size_t minimums = 0;
  for (size_t i = 0; i < all.size(); ++i) {
    if (!present[i]) continue;
    parts.push_back(all[i]);
    minimums += all[i].min;
  }
  if (parts.empty()) return shares;
  uint64_t needed = uint64_t{usage.open} + kFdReserve + kFdStagingFixed + minimums;
  if (usage.limit < needed)
    fail("RLIMIT_NOFILE is {}; staging needs at least {} open files ({} are open already): raise `ulimit -n`",
         usage.limit, needed, usage.open);
  uint64_t spare = std::min<uint64_t>(usage.limit - needed, uint64_t{1} << 32);  // unlimited: no overflow below
  for (Part& p : parts) *p.share = p.min;
  // Fill by weight; a part at its maximum drops out and the rest share what it left.
  for (;;) {
    std::vector<Part*> open;
    size_t weights = 0;
    for (Part& p : parts)
      if (*p.share < p.max) open.push_back(&p), weights += p.weight;
    if (open.empty() || spare == 0) break;
    uint64_t given = 0;
    for (Part* p : open) {
      uint64_t add = std::min<uint64_t>(p->max - *p->share, spare * p->weight / weights);
      *p->share += static_cast<size_t>(add);
      given += add;
    }
    if (given == 0) {  // less left than the weights add up to: one each, in order
      for (Part* p : open) {
        if (spare == given) break;
        ++*p->share;
        ++given;
      }
    }
    spare -= given;
  }
  return shares;
}

}  // namespace pybcast
