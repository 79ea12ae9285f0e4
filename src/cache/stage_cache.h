#pragma once
// The node-local cache under the validated user root:
//   cache/<key>/        a complete merged prefix, or absent
//   tmp-<random>/       an extraction in progress
//   locks/<key>.lock    flock: exclusive while extracting, shared while in use
#include <string>

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
  /// Waits for LOCK_EX, polling, up to timeout_seconds; throws Error naming `shown`.
  void exclusive_within(double timeout_seconds, const std::string& shown);
  void unlock();
  /// Marks the entry as used now (the lock file's mtime feeds `pybcast gc`).
  void touch();

 private:
  io::Fd fd_;
};

/// An extraction directory removed on destruction unless published.
class TmpDir {
 public:
  TmpDir(int parent_fd, std::string name, io::Fd dir);
  TmpDir(TmpDir&&) = default;
  ~TmpDir();
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

class StageCache {
 public:
  explicit StageCache(UserRoot root);
  const std::string& root_path() const { return root_.path; }
  std::string entry_path(const std::string& key) const { return root_.path + "/cache/" + key; }
  /// True if cache/<key> is a published entry of ours; throws Error when
  /// something else (a symlink, a file, another owner's directory) sits there.
  bool has(const std::string& key) const;
  CacheLock lock_file(const std::string& key) const;
  TmpDir make_tmp() const;
  /// Renames tmp to cache/<key>; if another job published it first, keeps theirs.
  void publish(TmpDir& tmp, const std::string& key) const;
  /// Bytes available to us on the node-local file system.
  uint64_t free_bytes() const;

 private:
  UserRoot root_;
  io::Fd cache_;
  io::Fd locks_;
};

}  // namespace pybcast
