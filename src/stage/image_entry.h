#pragma once
// An image bundle's cache entry on a node (images/<key>/, cache/node_layout.h):
// image.sqfs, written as the bytes arrive and verified against the image's own
// trailer (archive/squashfs_image.h) before anything is published, and the
// stage record. Each job step then mounts it (stage/image_mount.h).
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "archive/squashfs_image.h"
#include "util/io.h"

namespace pybcast {

class ImageReceiver {
 public:
  /// Creates image.sqfs beneath the entry being built (`tmp_fd`).
  ImageReceiver(int tmp_fd, uint64_t size, std::string bundle);
  /// The next bytes of the bundle, in order.
  void write(std::span<const std::byte> bytes);
  /// Throws Error "bundle '<name>': ..." unless the whole image arrived unchanged; then makes it read-only.
  void finish();

 private:
  io::Fd file_;
  ImageCheck check_;
  uint64_t offset_ = 0;
  std::string bundle_;
};

/// nullopt if the published image entry (its directory fd) may be mounted:
/// its stage record is of `key` and its image a regular file of ours of the
/// recorded size; with `verify` (--verify-cache) the image is hashed again.
/// Else why not.
std::optional<std::string> check_image_entry(int entry_fd, const std::string& shown, const std::string& key,
                                             bool verify);

}  // namespace pybcast
