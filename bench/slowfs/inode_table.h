#pragma once
// The FUSE inode numbers handed to the kernel, each backed by an O_PATH file
// descriptor into the source tree and counted down by FORGET.
#define FUSE_USE_VERSION 312
#include <fuse_lowlevel.h>
#include <sys/stat.h>

#include <map>
#include <mutex>
#include <unordered_map>
#include <utility>

namespace slowfs {

/// Inode number of the virtual stats file; never handed out by the table.
inline constexpr fuse_ino_t kControlIno = 2;

class InodeTable {
 public:
  /// Takes ownership of `root_fd` (O_PATH), which becomes FUSE_ROOT_ID.
  InodeTable(int root_fd, const struct stat& root_st);
  ~InodeTable();
  InodeTable(const InodeTable&) = delete;
  InodeTable& operator=(const InodeTable&) = delete;

  /// The O_PATH descriptor behind `ino`, or -1 if the kernel sent an unknown number.
  int fd_of(fuse_ino_t ino);

  /// Records one kernel lookup of the file `fd` refers to and returns its inode
  /// number. The same file always gets the same number (otherwise the kernel would
  /// drop its dentry and look it up again); `fd` is closed if the file was known.
  fuse_ino_t remember(int fd, const struct stat& st);

  /// The kernel dropped `n` references; the descriptor is closed at zero.
  void forget(fuse_ino_t ino, uint64_t n);

 private:
  struct Inode {
    int fd;
    std::pair<dev_t, ino_t> key;
    uint64_t lookups;
  };

  std::mutex mu_;
  std::unordered_map<fuse_ino_t, Inode> by_ino_;
  std::map<std::pair<dev_t, ino_t>, fuse_ino_t> by_key_;
  fuse_ino_t next_ino_ = kControlIno + 1;
};

}  // namespace slowfs
