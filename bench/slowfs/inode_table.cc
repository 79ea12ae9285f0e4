#include "inode_table.h"

#include <unistd.h>

#include <algorithm>

namespace slowfs {

InodeTable::InodeTable(int root_fd, const struct stat& root_st) {
  const std::pair<dev_t, ino_t> key{root_st.st_dev, root_st.st_ino};
  by_ino_[FUSE_ROOT_ID] = Inode{root_fd, key, 1};
  by_key_[key] = FUSE_ROOT_ID;
}

InodeTable::~InodeTable() {
  for (auto& [ino, inode] : by_ino_) ::close(inode.fd);
}

int InodeTable::fd_of(fuse_ino_t ino) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = by_ino_.find(ino);
  return it == by_ino_.end() ? -1 : it->second.fd;
}

fuse_ino_t InodeTable::remember(int fd, const struct stat& st) {
  std::lock_guard<std::mutex> lock(mu_);
  const std::pair<dev_t, ino_t> key{st.st_dev, st.st_ino};
  if (auto known = by_key_.find(key); known != by_key_.end()) {
    ::close(fd);
    ++by_ino_.at(known->second).lookups;
    return known->second;
  }
  const fuse_ino_t ino = next_ino_++;
  by_ino_[ino] = Inode{fd, key, 1};
  by_key_[key] = ino;
  return ino;
}

void InodeTable::forget(fuse_ino_t ino, uint64_t n) {
  if (ino == FUSE_ROOT_ID) return;
  std::lock_guard<std::mutex> lock(mu_);
  auto it = by_ino_.find(ino);
  if (it == by_ino_.end()) return;
  Inode& inode = it->second;
  inode.lookups -= std::min(n, inode.lookups);
  if (inode.lookups > 0) return;
  ::close(inode.fd);
  by_key_.erase(inode.key);
  by_ino_.erase(it);
}

}  // namespace slowfs
