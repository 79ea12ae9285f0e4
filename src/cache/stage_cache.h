#pragma once
// The node-local cache under the validated user root (names: cache/node_layout):
//   cache/<key>/        a complete merged prefix, or absent
//   tmp-<key>-<random>/ an extraction in progress (stale if its key's lock is free)
//   locks/<key>.lock    flock: exclusive while extracting, shared while in use
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "cache/node_layout.h"
#include "cache/user_root.h"
#include "util/io.h"

namespace pybcast {

/// A flock on locks/<key>.lock. Released on destruction or process death.
class CacheLock {
 public:
  CacheLock() = default;
  explicit CacheLock(io::Fd fd) : fd_(std::move(fd)) {}
  /// Non-blocking LOCK_SH / LOCK_EX (converting a held lock); true if granted.
  bool try_shared();
  bool try_exclusive();
  /// Waits for LOCK_SH, polling, up to timeout_seconds: it is granted as soon
  /// as no job holds the lock exclusively (i.e. is extracting). Throws Error
  /// naming `shown` on timeout.
  void shared_within(double timeout_seconds, const std::string& shown);
  /// The same for LOCK_EX (the image mount lock: held for a mount's few milliseconds).
  void exclusive_within(double timeout_seconds, const std::string& shown);
  void unlock();
  bool open() const { return fd_.valid(); }
  /// Marks the entry as used now (the lock file's mtime feeds `pybcast gc`).
  void touch();

 private:
  io::Fd fd_;
};

/// An extraction directory removed on destruction unless published.
class ExtractionDir {
 public:
  ExtractionDir(int parent_fd, std::string name, io::Fd dir);
  ExtractionDir(ExtractionDir&&) = default;
  ~ExtractionDir();
  int fd() const { return dir_.get(); }
  const std::string& name() const { return name_; }
  void forget() { published_ = true; }
  /// Removes it now.
  void discard();

 private:
  int parent_fd_;
  std::string name_;
  io::Fd dir_;
  bool published_ = false;
};

/// What a job may do with the cache entry of its key on this node.
enum class Claim {
  kHit,      ///< published: use it
  kExtract,  ///< ours to extract: we hold the exclusive lock
  kBusy      ///< another job holds the exclusive lock (extracting): wait for it
};

/// Whether a published entry (its directory fd) may be used: nullopt if so,
/// else what is wrong with it (stage/entry_check).
using EntryCheck = std::function<std::optional<std::string>(int entry_fd)>;

class StageCache;
/// The claim ladder, with `lock` (the key's) held shared: a published entry
/// that passes `check` is a hit (marked used); else taking the exclusive lock
/// makes it ours to extract (a failed entry and tmp dirs of killed jobs
/// removed first); else another job is extracting and the lock is released.
/// A failed entry that another job is using is an Error.
/// `image`: the entry is images/<key> (an image bundle's) instead of cache/<key>.
Claim claim_entry(const StageCache& cache, const std::string& key, CacheLock& lock, const EntryCheck& check,
                  bool image = false);

class StageCache {
 public:
  explicit StageCache(UserRoot root);
  const std::string& root_path() const { return root_.path; }
  std::string entry_path(const std::string& key) const { return layout::entry_path(root_.path, key); }
  /// True if cache/<key> is a published entry of ours; throws Error when
  /// something else (a symlink, a file, another owner's directory) sits there.
  bool has(const std::string& key) const { return open_entry(key).valid(); }
  /// The directory fd of cache/<key>, or an invalid Fd if there is none (the same checks as has()).
  io::Fd open_entry(const std::string& key) const;
  CacheLock lock_file(const std::string& key) const;
  /// locks/<key>.mount: held exclusively while a job step picks and mounts its image slot.
  CacheLock mount_lock(const std::string& key) const;
  /// A new tmp-<key>-<random> directory.
  ExtractionDir make_tmp(const std::string& key) const;
  /// Removes tmp directories of `key` left by killed jobs (and, when the key
  /// has no published entry, its bytecode mirror). Call only while holding
  /// the key's exclusive lock: then no live job is using them.
  size_t remove_stale_tmp(const std::string& key) const;
  /// Names in the user root (for gc).
  std::vector<std::string> list_root() const;
  /// The entries in cache/ (not further image slots) and in images/ (image bundles'), each once.
  std::vector<std::string> list_entries() const;
  /// Further image mount slots in cache/ ("<key>.<n>": cache/node_layout).
  std::vector<std::string> list_extra_mounts() const;
  /// Unpublishes and removes cache/<key> and its bytecode mirror (caller holds the exclusive lock).
  void remove_entry(const std::string& key) const;
  /// The (new, empty) bytecode mirror directory of `key` under pycache/,
  /// replacing what a killed job may have left (caller holds the exclusive lock).
  io::Fd fresh_bytecode_mirror(const std::string& key) const;
  /// The bytecode mirror of `key`, or an invalid Fd if there is none (or a non-directory is in its place).
  io::Fd open_bytecode_mirror(const std::string& key) const;
  /// Renames tmp to cache/<key>; if another job published it first, keeps theirs.
  void publish(ExtractionDir& tmp, const std::string& key) const;
  /// Image entries (images/<key>/): the same, for an image bundle.
  std::string image_entry_path(const std::string& key) const { return layout::image_entry_path(root_.path, key); }
  io::Fd open_image_entry(const std::string& key) const;
  void publish_image(ExtractionDir& tmp, const std::string& key) const;
  void remove_image_entry(const std::string& key) const;
  /// The fd of cache/ (image mounts are made beneath it).
  int cache_dir_fd() const { return cache_.get(); }
  /// Bytes available to us on the node-local file system.
  uint64_t free_bytes() const;

 private:
  UserRoot root_;
  /// Removes pycache/<entry path> if it is there.
  void remove_bytecode_mirror(const std::string& key) const;

  io::Fd cache_;
  io::Fd locks_;
  io::Fd pycache_;
  io::Fd images_;
};

}  // namespace pybcast
