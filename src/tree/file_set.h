#pragma once
// The members of a bundle being built: where each comes from on disk and the
// prefix-relative name it gets. Trees are read without following symlinks,
// so a symlink is packed as a symlink, wherever it points.
#include <sys/stat.h>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tree/exclude_filter.h"

namespace pybcast {

enum class EntryType { file, directory, symlink };

struct PackEntry {
  std::string member;  ///< prefix-relative, no trailing '/'
  EntryType type = EntryType::file;
  std::string source;       ///< absolute path it is read from; empty for made-up entries
  std::string link;         ///< symlink target
  bool executable = false;  ///< packed as 0755 rather than 0644
  uint64_t size = 0;        ///< filled in by hash_entries
  std::string xxh3;         ///< filled in by hash_entries
  /// What the walk's lstat saw (0 for made-up entries): a tree staged as it
  /// is keys its cache on these and refuses a file that changed since.
  int64_t mtime_ns = 0;
  int64_t ctime_ns = 0;  ///< a rewrite in place with size and mtime kept (`cp -p`) changes it
  uint64_t inode = 0;
};

/// The walk's view of an entry from its lstat (made-up entries have none).
PackEntry with_identity(PackEntry e, const struct stat& st);
/// False if `st` (an fstat of the opened file) is not what the walk saw:
/// not a regular file, or another size, mtime, ctime or inode.
bool same_as_walk(const PackEntry& e, const struct stat& st);

/// "a/./b/../c" -> "a/c"; nullopt for absolute paths and paths that climb
/// above the root. "" for the root itself.
std::optional<std::string> normalize_member(std::string_view path);
/// "a/b" + "../c" -> "a/c", normalised as above.
std::optional<std::string> join_member(std::string_view dir, std::string_view relative);
/// "a/b/c" -> "a/b"; "" when there is no '/'.
std::string parent_path(std::string_view path);
/// "a/b/c" -> "c".
std::string file_name(std::string_view path);

class FileSet {
 public:
  explicit FileSet(ExcludeFilter filter = {}) : filter_(std::move(filter)) {}

  /// Adds `source` (a file, a symlink or a whole directory tree) at `member`
  /// ("" for the root of the bundle), leaving out what the filter excludes.
  /// `follow` resolves `source` itself if it is a symlink (never what is
  /// below it). Throws Error on a symlink loop, an unreadable directory or a
  /// name that is not UTF-8.
  void add(const std::string& source, const std::string& member, bool follow = false);
  /// Adds a file we made (never excluded; replaces an entry of that name).
  void put_file(const std::string& source, const std::string& member, bool executable = false);
  void put_symlink(const std::string& member, const std::string& target);
  /// Moves `from` and everything below it to `to`.
  void relocate(const std::string& from, const std::string& to);
  /// Removes the entries `drop` returns true for; returns how many.
  size_t remove_if(const std::function<bool(const PackEntry&)>& drop);

  const PackEntry* find(const std::string& member) const;
  /// Every entry, plus any missing parent directory, in byte order of their
  /// names (so parents come before their children).
  std::vector<PackEntry> entries() const;
  /// Things left out or kept in a way the user may want to know about.
  const std::vector<std::string>& warnings() const { return warnings_; }
  /// Refuse (Error) to hold more than `n` entries; 0: no limit.
  void limit_entries(uint64_t n) { max_entries_ = n; }
  /// Path-based metadata calls made walking (lstat, stat, opendir, readlink).
  uint64_t metadata_calls() const { return metadata_calls_; }

 private:
  void walk(const std::string& source, const std::string& member, int depth, bool follow);
  void insert(PackEntry entry);

  /// entries() of an unchanged set, kept: live trees ask for it several times.
  void changed() { listed_.reset(); }

  ExcludeFilter filter_;
  std::map<std::string, PackEntry> entries_;
  mutable std::optional<std::vector<PackEntry>> listed_;
  std::vector<std::string> warnings_;
  uint64_t metadata_calls_ = 0;
  uint64_t max_entries_ = 0;
};

/// Bytes read_file_chunks hands over at a time.
inline constexpr size_t kFileChunkBytes = size_t{1} << 20;
/// Calls `chunk` with a listed file's contents, a bounded piece at a time; a
/// file that is no longer a regular file is an error naming it.
void read_file_chunks(const std::string& path, const std::function<void(std::span<const std::byte>)>& chunk);

}  // namespace pybcast
