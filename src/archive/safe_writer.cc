#include "archive/safe_writer.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <functional>

#include "util/error.h"
#include "util/io.h"
#include "util/test_seams.h"
#include "util/timer.h"

namespace pybcast {

namespace {

/// Queued paths remembered for hard links; done ones are forgotten beyond this.
constexpr size_t kMaxTrackedBodies = 16384;
constexpr mode_t kImplicitDirMode = 0555;
// setuid/setgid never survive extraction; the sticky bit only on directories.
// Published trees are read-only (a job editing the staged stdlib must not
// change what the next job runs) and directories always ours to enter and
// list (a mode-000 directory would block removal for good: tarfile's data
// filter does the same).
constexpr mode_t kKeptFileBits = 0555;
constexpr mode_t kKeptDirBits = 01555;
constexpr mode_t kOwnerDirBits = 0500;

[[noreturn]] void refuse(const PathParts& parts, const std::string& why) {
  throw Error("entry '" + shown_name(join_parts(parts)) + "': " + why);
}

[[noreturn]] void refuse_errno(const PathParts& parts, const std::string& what, int err) {
  refuse(parts, what + ": " + std::strerror(err));
}

timespec entry_mtime(archive_entry* entry) {
  timespec ts{};
  if (archive_entry_mtime_is_set(entry)) {
    ts.tv_sec = archive_entry_mtime(entry);
    ts.tv_nsec = archive_entry_mtime_nsec(entry);
  } else {
    ts.tv_nsec = UTIME_OMIT;
  }
  return ts;
}

}  // namespace

SafeWriter::SafeWriter(int root_fd, size_t max_dirs) : root_fd_(root_fd), max_dirs_(std::max<size_t>(max_dirs, 1)) {}

SafeWriter::~SafeWriter() { forget_dirs(); }

void SafeWriter::forget_dirs() {
  for (auto& [path, fd] : dir_fds_) ::close(fd);
  dir_fds_.clear();
}

int SafeWriter::open_child_dir(int parent, const PathParts& parts, size_t index, bool create) {
  const std::string& name = parts[index];
  for (int attempt = 0; attempt < 2; ++attempt) {
    int fd = io::openat_raw(parent, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
    if (fd >= 0) return fd;
    std::string here = join_parts(parts, index + 1);
    if (fd == -ENOENT && create && attempt == 0) {
      if (::mkdirat(parent, name.c_str(), 0700) != 0 && errno != EEXIST)
        refuse_errno(parts, "cannot create directory '" + here + "'", errno);
      dir_attrs_.try_emplace(here, DirAttrs{kImplicitDirMode, timespec{0, UTIME_OMIT}});
      continue;
    }
    if (fd == -ENOENT) refuse(parts, "'" + here + "' does not exist");
    struct stat st {};
    if ((fd == -ELOOP || fd == -ENOTDIR) && io::lstatat(parent, name, st, here) && S_ISLNK(st.st_mode))
      refuse(parts, "path passes through the symlink '" + here + "'");
    if (fd == -ENOTDIR || fd == -ELOOP) refuse(parts, "'" + here + "' is not a directory");
    refuse_errno(parts, "cannot open directory '" + here + "'", -fd);
  }
  refuse(parts, "directory vanished while extracting");
}

int SafeWriter::dir_fd(const PathParts& parts, size_t count, bool create) {
  if (count == 0) return root_fd_;
  std::string key = join_parts(parts, count);
  if (auto it = dir_fds_.find(key); it != dir_fds_.end()) return it->second;
  // From the deepest cached ancestor down. The ones passed on the way are
  // cached only while the cache has room, and closed at once otherwise: a
  // legal path of any depth must not hold one fd per level (EMFILE at ~1000).
  size_t have = count - 1;
  int at = root_fd_;
  for (size_t end = key.size(); have > 0; --have) {
    end = key.rfind('/', end - 1);
    if (auto it = dir_fds_.find(key.substr(0, end)); it != dir_fds_.end()) {
      at = it->second;
      break;
    }
  }
  io::Fd passed;
  for (size_t index = have; index + 1 < count; ++index) {
    int fd = open_child_dir(at, parts, index, create);
    if (dir_fds_.size() + 1 < max_dirs_) {
      dir_fds_.emplace(join_parts(parts, index + 1), fd);
      passed.reset();
    } else {
      passed = io::Fd(fd);
    }
    at = fd;
  }
  int fd = open_child_dir(at, parts, count - 1, create);
  dir_fds_.emplace(key, fd);
  return fd;
}

bool SafeWriter::make_room(int parent, const std::string& name, const PathParts& parts, bool for_dir) {
  struct stat st {};
  if (!io::lstatat(parent, name, st, join_parts(parts))) return true;
  if (S_ISDIR(st.st_mode)) {
    if (for_dir) return false;  // directories merge
    if (::unlinkat(parent, name.c_str(), AT_REMOVEDIR) != 0) {
      if (errno == ENOTEMPTY || errno == EEXIST) refuse(parts, "would replace a non-empty directory");
      refuse_errno(parts, "cannot replace directory", errno);
    }
    forget_dirs_below(join_parts(parts));
  } else if (::unlinkat(parent, name.c_str(), 0) != 0) {
    refuse_errno(parts, "cannot replace existing entry", errno);
  }
  ++stats_.conflicts;
  return true;
}

void SafeWriter::forget_dirs_below(const std::string& path) {
  for (auto it = dir_fds_.begin(); it != dir_fds_.end();) {
    const std::string& p = it->first;
    if (p == path || (p.size() > path.size() && p.compare(0, path.size(), path) == 0 && p[path.size()] == '/')) {
      ::close(it->second);
      it = dir_fds_.erase(it);
    } else {
      ++it;
    }
  }
}

bool SafeWriter::cache_full() const { return dir_fds_.size() >= max_dirs_; }

void SafeWriter::write_entry(const PathParts& parts, archive* a, archive_entry* entry, bool body_here,
                             std::optional<uint64_t> xxh3) {
  if (parts.empty()) return;  // the archive's "./" entry: the prefix itself
  // Evict only between entries: fds handed out below stay valid for this entry.
  if (cache_full()) forget_dirs();
  mode_t type = archive_entry_filetype(entry);
  const char* hardlink = archive_entry_hardlink(entry);
  if (hardlink != nullptr && *hardlink != '\0') {
    write_hardlink(dir_fd(parts, parts.size() - 1, true), parts, entry);
    return;
  }
  switch (type) {
    case AE_IFREG: write_file(dir_fd(parts, parts.size() - 1, true), parts, a, entry, body_here, xxh3); break;
    case AE_IFDIR: write_dir(dir_fd(parts, parts.size() - 1, true), parts, entry); break;
    case AE_IFLNK: write_symlink(dir_fd(parts, parts.size() - 1, true), parts, entry); break;
    case AE_IFCHR:
    case AE_IFBLK: refuse(parts, "device nodes are not allowed in bundles");
    case AE_IFIFO: refuse(parts, "FIFOs are not allowed in bundles");
    case AE_IFSOCK: refuse(parts, "sockets are not allowed in bundles");
    default: refuse(parts, "unsupported entry type");
  }
}

void SafeWriter::write_file(int parent, const PathParts& parts, archive* a, archive_entry* entry, bool body_here,
                            std::optional<uint64_t> xxh3) {
  const std::string& name = parts.back();
  int fd = io::openat_raw(parent, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0600);
  if (fd == -EEXIST) {
    make_room(parent, name, parts, false);
    fd = io::openat_raw(parent, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0600);
  }
  if (fd < 0) refuse_errno(parts, "cannot create file", -fd);
  io::Fd file(fd);
  int64_t size = archive_entry_size(entry);
  if (pool_ && !body_here && size >= 0 && static_cast<uint64_t>(size) <= WriterPool::kMaxQueuedFile)
    queue_body(std::move(file), parts, a, entry, xxh3);
  else stream_body(fd, parts, a, entry, xxh3);
  ++stats_.files;
  if (parts.size() >= 2 && parts[parts.size() - 2] == "__pycache__" && name.ends_with(".pyc"))
    stats_.bytecode.push_back(join_parts(parts));
}

void SafeWriter::read_data(const PathParts& parts, archive* a,
                           const std::function<void(int64_t, const void*, size_t)>& use) {
  for (;;) {
    const void* block = nullptr;
    size_t size = 0;
    la_int64_t offset = 0;
    int r = archive_read_data_block(a, &block, &size, &offset);
    if (r == ARCHIVE_EOF) break;
    if (r < ARCHIVE_WARN) refuse(parts, std::string("cannot read data: ") + archive_error_string(a));
    // The seam counts bytes in stream order, wherever the body is written.
    if (auto limit = test_seams::enospc_after(); limit && stats_.bytes + size > *limit)
      refuse_errno(parts, "write failed", ENOSPC);
    use(offset, block, size);
    stats_.bytes += size;
  }
}

void SafeWriter::stream_body(int fd, const PathParts& parts, archive* a, archive_entry* entry,
                             std::optional<uint64_t> xxh3) {
  Stopwatch clock;
  int64_t position = 0;
  std::optional<ContentHash> hash;  // an xxh3 state only where a manifest has a hash to compare with
  if (xxh3) hash.emplace();
  read_data(parts, a, [&](int64_t offset, const void* block, size_t size) {
    if (hash) hash->add(offset, block, size);
    if (offset != position && ::lseek(fd, offset, SEEK_SET) < 0) refuse_errno(parts, "seek", errno);
    try {
      io::write_all(fd, {static_cast<const std::byte*>(block), size}, "write failed");
    } catch (const Error& e) {
      refuse(parts, e.what());
    }
    position = offset + static_cast<int64_t>(size);
    stats_.perf.parser_writes.bytes += size;
  });
  std::string shown = shown_name(join_parts(parts));
  if (hash) check_content(shown, archive_entry_size(entry), hash->digest(archive_entry_size(entry)), xxh3);
  finish_file(fd, shown, position, archive_entry_size(entry), archive_entry_perm(entry) & kKeptFileBits,
              entry_mtime(entry));
  ++stats_.perf.parser_writes.files;
  stats_.perf.parser_writes.busy_seconds += clock.seconds();  // includes waiting for decoded data
}

void SafeWriter::queue_body(io::Fd file, const PathParts& parts, archive* a, archive_entry* entry,
                            std::optional<uint64_t> xxh3) {
  FileBody body;
  body.fd = std::move(file);
  body.shown = shown_name(join_parts(parts));
  body.bundle = bundle_;
  body.size = archive_entry_size(entry);
  body.capacity = static_cast<size_t>(body.size);
  if (body.capacity > 0) body.data = std::make_unique_for_overwrite<std::byte[]>(body.capacity);
  body.mode = archive_entry_perm(entry) & kKeptFileBits;
  body.mtime = entry_mtime(entry);
  body.xxh3 = xxh3;
  read_data(parts, a, [&](int64_t offset, const void* block, size_t size) { body.append(offset, block, size); });
  std::string path = join_parts(parts);
  if (queued_.size() >= kMaxTrackedBodies) {
    uint64_t done = pool_->done_below();
    std::erase_if(queued_, [done](const auto& item) { return item.second < done; });
  }
  queued_[path] = pool_->submit(std::move(body));
}

void SafeWriter::wait_for_body(const std::string& path) {
  auto it = queued_.find(path);
  if (it == queued_.end()) return;
  pool_->wait_for(it->second);
  queued_.erase(it);
}

void SafeWriter::write_dir(int parent, const PathParts& parts, archive_entry* entry) {
  const std::string& name = parts.back();
  if (::mkdirat(parent, name.c_str(), 0700) != 0) {
    if (errno != EEXIST) refuse_errno(parts, "cannot create directory", errno);
    if (make_room(parent, name, parts, true) && ::mkdirat(parent, name.c_str(), 0700) != 0)
      refuse_errno(parts, "cannot create directory", errno);
  }
  dir_attrs_[join_parts(parts)] =
      DirAttrs{(archive_entry_perm(entry) & kKeptDirBits) | kOwnerDirBits, entry_mtime(entry)};
  ++stats_.dirs;
}

void SafeWriter::write_symlink(int parent, const PathParts& parts, archive_entry* entry) {
  const char* target = archive_entry_symlink(entry);
  if (target == nullptr || *target == '\0') refuse(parts, "symlink without a target");
  const std::string& name = parts.back();
  if (::symlinkat(target, parent, name.c_str()) != 0) {
    if (errno != EEXIST) refuse_errno(parts, "cannot create symlink", errno);
    make_room(parent, name, parts, false);
    if (::symlinkat(target, parent, name.c_str()) != 0) refuse_errno(parts, "cannot create symlink", errno);
  }
  timespec times[2] = {{0, UTIME_OMIT}, entry_mtime(entry)};
  ::utimensat(parent, name.c_str(), times, AT_SYMLINK_NOFOLLOW);  // best effort, as tar does
  if (symlink_escapes(parts, target)) {
    ++stats_.outside_symlink_count;
    if (stats_.outside_symlinks.size() < kMaxListedOutsideSymlinks)
      stats_.outside_symlinks.push_back(join_parts(parts) + " -> " + target);
  }
  ++stats_.symlinks;
}

void SafeWriter::write_hardlink(int parent, const PathParts& parts, archive_entry* entry) {
  PathParts target;
  try {
    target = split_member_path(archive_entry_hardlink(entry));
  } catch (const Error& e) {
    refuse(parts, std::string("hard link target '") + archive_entry_hardlink(entry) + "' refused: " + e.what());
  }
  if (target.empty()) refuse(parts, "hard link to the prefix itself");
  if (pool_) wait_for_body(join_parts(target));
  int target_parent = -1;
  try {
    target_parent = dir_fd(target, target.size() - 1, false);
  } catch (const Error&) {
    refuse(parts, "hard link target '" + join_parts(target) + "' is not (yet) extracted");
  }
  const std::string& name = parts.back();
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (::linkat(target_parent, target.back().c_str(), parent, name.c_str(), 0) == 0) {
      ++stats_.hardlinks;
      return;
    }
    if (errno == EEXIST && attempt == 0) {
      make_room(parent, name, parts, false);
      continue;
    }
    if (errno == ENOENT) refuse(parts, "hard link target '" + join_parts(target) + "' is not (yet) extracted");
    refuse_errno(parts, "cannot hard link to '" + join_parts(target) + "'", errno);
  }
}

std::string SafeWriter::read_back(const PathParts& parts, size_t limit) {
  int parent = dir_fd(parts, parts.size() - 1, false);
  int fd = io::openat_raw(parent, parts.back().c_str(), O_RDONLY | O_NOFOLLOW);
  if (fd < 0) refuse_errno(parts, "cannot read back", -fd);
  io::Fd file(fd);
  // Sized from the file, not the limit: zero-filling 64 MiB for a manifest of a few kB cost 0.2 s per bundle.
  uint64_t size = static_cast<uint64_t>(io::fstat(fd, join_parts(parts)).st_size);
  std::string text(std::min<uint64_t>(size, limit), '\0');
  size_t n = io::pread_full(fd, std::as_writable_bytes(std::span(text.data(), text.size())), 0, join_parts(parts));
  text.resize(n);
  return text;
}

void SafeWriter::finish() {
  // Every directory after all of its descendants (reverse path order), so
  // that setting its mtime comes after its children changed it. A directory
  // right after one of its children is reached through that child's "..":
  // one openat per level even where the fd cache cannot hold the path.
  std::vector<const std::pair<const std::string, DirAttrs>*> dirs;
  for (const auto& dir : dir_attrs_) dirs.push_back(&dir);
  std::sort(dirs.begin(), dirs.end(), [](const auto* x, const auto* y) { return x->first > y->first; });
  io::Fd climbed;
  const std::string* previous = nullptr;
  int previous_fd = -1;
  for (const auto* dir : dirs) {
    const auto& [path, attrs] = *dir;
    PathParts parts = split_member_path(path);
    int fd = -1;
    size_t slash = previous ? previous->rfind('/') : std::string::npos;
    if (previous_fd >= 0 && slash != std::string::npos && previous->compare(0, slash, path) == 0 &&
        path.size() == slash) {
      io::Fd up(io::openat_raw(previous_fd, "..", O_RDONLY | O_DIRECTORY));
      if (up.valid()) climbed = std::move(up), fd = climbed.get();
    }
    if (fd < 0) {
      if (cache_full()) forget_dirs();
      try {
        fd = dir_fd(parts, parts.size(), false);
      } catch (const Error&) {
        previous_fd = -1;
        continue;  // replaced by a later entry: nothing to apply
      }
    }
    if (::fchmod(fd, attrs.mode) != 0) refuse_errno(parts, "chmod", errno);
    timespec times[2] = {{0, UTIME_OMIT}, attrs.mtime};
    ::futimens(fd, times);
    previous = &path;
    previous_fd = fd;
  }
  dir_attrs_.clear();
  forget_dirs();
}

}  // namespace pybcast
