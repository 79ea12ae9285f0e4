#pragma once
// Cache clean-up on one node: `pybcast gc` and the launcher's --cleanup.
// An entry is removed only under its exclusive lock, so an entry in use (a
// running job holds the shared lock) is never removed; stale tmp
// directories of killed jobs go the same way, and so do image mounts whose
// server died with its step (cache/mount_point); a live mount is in use.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cache/stage_cache.h"

namespace pybcast {

struct GcPolicy {
  bool all = false;
  std::optional<double> older_than_seconds;  ///< by last use (lock file mtime)
  std::optional<uint64_t> max_bytes;         ///< keep the most recently used within budget
  bool dry_run = false;
};

struct GcEntry {
  std::string key;
  uint64_t bytes = 0;
  double idle_seconds = 0;
  enum class Outcome { kKept, kRemoved, kInUse, kFailed } outcome = Outcome::kKept;
  std::string error;  ///< kFailed: why
};

struct GcResult {
  std::string root;
  std::vector<GcEntry> entries;
  size_t stale_tmp_removed = 0;
  /// Image mounts whose server is gone (a step killed with its fusermount3
  /// helper), unmounted; and further slots' directories left behind.
  size_t stale_mounts_removed = 0;
  std::vector<std::string> errors;  ///< leftovers that could not be removed (gc carries on)
};

/// Applies the policy to one user root; `now` is seconds since the epoch.
GcResult collect_garbage(const StageCache& cache, const GcPolicy& policy, double now);

/// The launcher's --cleanup: removes cache/<key> unless another job uses it.
/// `lock` is this job's (shared) lock on the key; it is released. True if removed.
bool remove_if_unused(const StageCache& cache, const std::string& key, CacheLock& lock);

/// Parses "90s", "30m", "12h", "7d" (or plain seconds); throws Error otherwise.
double parse_duration(const std::string& text);

}  // namespace pybcast
