#pragma once
// Creates archive entries beneath one directory, only through directory file
// descriptors opened with O_NOFOLLOW: no write ever passes through a symlink,
// whether the archive made it or it was there before. Parent directories are
// cached as open fds because tar members arrive grouped by directory.
#include <sys/types.h>

#include <cstdint>
#include <ctime>
#include <string>
#include <unordered_map>
#include <vector>

#include "archive/safe_path.h"

struct archive;
struct archive_entry;

namespace pybcast {

struct ExtractStats {
  uint64_t files = 0;
  uint64_t dirs = 0;
  uint64_t symlinks = 0;
  uint64_t hardlinks = 0;
  uint64_t bytes = 0;      ///< regular file bytes written
  uint64_t conflicts = 0;  ///< entries that replaced an existing path
  uint64_t outside_symlink_count = 0;
  std::vector<std::string> outside_symlinks;  ///< first few, "path -> target"
  /// Regular files "<dir>/__pycache__/<name>.pyc", in extraction order (for stage/bytecode_mirror).
  std::vector<std::string> bytecode;
};

class SafeWriter {
 public:
  /// Writes beneath root_fd, which the caller keeps open.
  explicit SafeWriter(int root_fd);
  ~SafeWriter();
  SafeWriter(const SafeWriter&) = delete;
  SafeWriter& operator=(const SafeWriter&) = delete;

  /// Creates the entry at `parts`; regular-file data is read from `a`.
  /// Throws Error("entry '<path>': ...") when the entry is refused.
  void write_entry(const PathParts& parts, archive* a, archive_entry* entry);
  /// Reads back (at most `limit` bytes of) a file this writer created.
  std::string read_back(const PathParts& parts, size_t limit);
  /// Applies directory modes and mtimes, deepest first. Deferred so that
  /// read-only directories can still be filled while extracting.
  void finish();
  const ExtractStats& stats() const { return stats_; }

  static constexpr size_t kMaxListedOutsideSymlinks = 20;

 private:
  struct DirAttrs {
    mode_t mode;
    timespec mtime;
  };

  /// True when the fd cache should be emptied before working at this depth.
  bool cache_full() const;
  int dir_fd(const PathParts& parts, size_t count, bool create);
  int open_child_dir(int parent, const PathParts& parts, size_t index, bool create);
  void forget_dirs();
  void forget_dirs_below(const std::string& path);
  bool make_room(int parent, const std::string& name, const PathParts& parts, bool for_dir);
  void write_file(int parent, const PathParts& parts, archive* a, archive_entry* entry);
  void write_dir(int parent, const PathParts& parts, archive_entry* entry);
  void write_symlink(int parent, const PathParts& parts, archive_entry* entry);
  void write_hardlink(int parent, const PathParts& parts, archive_entry* entry);

  int root_fd_;
  std::unordered_map<std::string, int> dir_fds_;  ///< "a/b" -> open fd (root excluded)
  std::unordered_map<std::string, DirAttrs> dir_attrs_;
  ExtractStats stats_;
};

}  // namespace pybcast
