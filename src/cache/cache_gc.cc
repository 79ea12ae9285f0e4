#include "cache/cache_gc.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "cache/mount_point.h"
#include "util/error.h"
#include "util/paths.h"

namespace pybcast {

namespace {

uint64_t tree_bytes(const std::string& path) {
  uint64_t total = 0;
  std::error_code ec;
  for (std::filesystem::recursive_directory_iterator it(path, ec), end; !ec && it != end; it.increment(ec))
    if (it->is_regular_file(ec) && !it->is_symlink(ec)) total += it->file_size(ec);
  return total;
}

/// Last use of an entry: the mtime of its lock file (touched at every stage), else the entry's.
double last_used(const StageCache& cache, const std::string& key) {
  struct stat st {};
  std::string lock = layout::lock_path(cache.root_path(), key);
  if (::lstat(lock.c_str(), &st) != 0 && ::lstat(cache.entry_path(key).c_str(), &st) != 0) return 0;
  return static_cast<double>(st.st_mtim.tv_sec) + st.st_mtim.tv_nsec * 1e-9;
}

/// True if one of our processes runs from the entry: its executable or a
/// mapped file (libpython, an extension module) lies in it. The second step
/// of the two-step workflow runs the staged python3 itself, which holds no
/// lock; this is how gc sees it.
bool mapped_by_a_process(const std::string& entry) {
  std::string real = real_path(entry);
  std::error_code ec;
  for (std::filesystem::directory_iterator it("/proc", ec), end; !ec && it != end; it.increment(ec)) {
    std::string pid = it->path().filename().string();
    if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream maps(it->path() / "maps");
    for (std::string line; std::getline(maps, line);) {
      size_t slash = line.find('/');
      if (slash != std::string::npos && is_within(std::string_view(line).substr(slash), real)) return true;
    }
  }
  return false;
}

/// An image bundle's bytes are its image's (never a walk of its mount); a tree's, its files'.
uint64_t entry_bytes(const StageCache& cache, const std::string& key) {
  if (cache.open_image_entry(key).valid()) return tree_bytes(cache.image_entry_path(key));
  return tree_bytes(cache.entry_path(key));
}

MountState state_of(const StageCache& cache, const std::string& name) {
  return mount_state(cache.cache_dir_fd(), name, io::fstat(cache.cache_dir_fd(), cache.root_path()).st_dev);
}

/// Unmounts cache/`name` if its server is gone; true if it was.
bool clear_dead_mount(const StageCache& cache, const std::string& name) {
  if (state_of(cache, name) != MountState::kDead) return false;
  lazy_unmount(cache.root_path() + "/" + layout::kCacheDir + "/" + name);
  return true;
}

bool mounted(const StageCache& cache, const std::string& name) { return state_of(cache, name) == MountState::kLive; }

bool removable_now(const StageCache& cache, const std::string& key, CacheLock& lock) {
  lock = cache.lock_file(key);
  return lock.try_exclusive();
}

}  // namespace

double parse_duration(const std::string& text) {
  size_t used = 0;
  double value = 0;
  try {
    value = std::stod(text, &used);
  } catch (const std::exception&) {
    fail("invalid duration '{}': expected e.g. 90s, 30m, 12h or 7d", text);
  }
  std::string unit = text.substr(used);
  if (unit.empty() || unit == "s") return value;
  if (unit == "m") return value * 60;
  if (unit == "h") return value * 3600;
  if (unit == "d") return value * 86400;
  fail("invalid duration '{}': unknown unit '{}' (s, m, h, d)", text, unit);
}

GcResult collect_garbage(const StageCache& cache, const GcPolicy& policy, double now) {
  GcResult result;
  result.root = cache.root_path();
  // Stale extraction directories: their key's lock is free, so their job is gone.
  for (const auto& name : cache.list_root()) {
    std::optional<std::string> key = layout::tmp_key(name);
    CacheLock lock;
    if (!key || policy.dry_run) continue;
    try {
      if (removable_now(cache, *key, lock)) result.stale_tmp_removed += cache.remove_stale_tmp(*key);
    } catch (const Error& e) {
      result.errors.push_back(e.what());
    }
  }
  // Further image slots (cache/<key>.<n>) of ended steps: a dead mount, or a
  // directory its step did not live to remove. A live one is another step's.
  for (const auto& name : cache.list_extra_mounts()) {
    if (policy.dry_run) continue;
    try {
      CacheLock picking = cache.mount_lock(*layout::extra_mount_key(name));
      if (!picking.try_exclusive()) continue;  // a step is mounting there right now
      bool dead = clear_dead_mount(cache, name);
      if (mounted(cache, name)) continue;
      if (::unlinkat(cache.cache_dir_fd(), name.c_str(), AT_REMOVEDIR) == 0 || dead) ++result.stale_mounts_removed;
    } catch (const Error& e) {
      result.errors.push_back(e.what());
    }
  }
  for (const auto& key : cache.list_entries()) {
    // A dead mount at cache/<key> hides the entry from everyone until unmounted.
    CacheLock lock;
    if (!policy.dry_run) try {
        if (removable_now(cache, key, lock) && clear_dead_mount(cache, key)) ++result.stale_mounts_removed;
      } catch (const Error& e) {
        result.errors.push_back(e.what());
      }
    result.entries.push_back({key, entry_bytes(cache, key), now - last_used(cache, key), {}, {}});
  }
  // Most recently used first, so a size budget keeps those.
  std::sort(result.entries.begin(), result.entries.end(),
            [](const GcEntry& a, const GcEntry& b) { return a.idle_seconds < b.idle_seconds; });
  uint64_t kept_bytes = 0;
  for (auto& entry : result.entries) {
    bool doomed = policy.all || (policy.older_than_seconds && entry.idle_seconds > *policy.older_than_seconds) ||
                  (policy.max_bytes && kept_bytes + entry.bytes > *policy.max_bytes);
    if (!doomed) {
      kept_bytes += entry.bytes;
      continue;
    }
    CacheLock lock;
    if (!removable_now(cache, entry.key, lock) || mounted(cache, entry.key) ||
        mapped_by_a_process(cache.entry_path(entry.key))) {
      entry.outcome = GcEntry::Outcome::kInUse;
      kept_bytes += entry.bytes;
      continue;
    }
    try {
      if (!policy.dry_run) cache.remove_entry(entry.key);
      entry.outcome = GcEntry::Outcome::kRemoved;
    } catch (const Error& e) {
      entry.outcome = GcEntry::Outcome::kFailed;
      entry.error = e.what();
    }
  }
  return result;
}

bool remove_if_unused(const StageCache& cache, const std::string& key, CacheLock& lock) {
  lock.unlock();
  // Another job on this node uses it. (Not the process maps: this job's own
  // ranks map it until they exit; a two-step job's python3 is gc's concern.)
  if (!lock.try_exclusive()) return false;
  cache.remove_entry(key);
  lock.unlock();
  return true;
}

}  // namespace pybcast
