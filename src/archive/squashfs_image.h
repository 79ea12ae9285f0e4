#pragma once
// An image bundle: a squashfs image (squashfs-tools-ng's tar2sqfs, zstd),
// then pybcast's trailer, 32 bytes:
//   "pybcast-image-1\n"  magic (16 bytes)
//   image bytes          u64 little-endian: where the trailer starts
//   xxh3-64              u64 little-endian, of those image bytes
// Readers of squashfs (squashfuse, sqfs2tar, the kernel) stop at the
// superblock's bytes_used and never see the trailer. The hash travels inside
// the one file, so rank 0 still opens each bundle once, and every node checks
// the whole image as it arrives: a damaged or cut image is refused there.
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "util/hash.h"

namespace pybcast {

inline constexpr size_t kImageTrailerBytes = 32;
inline constexpr size_t kSquashfsSuperblockBytes = 96;

/// True if `head` starts with the squashfs magic ("hsqs"; 4 bytes suffice).
bool is_squashfs(std::span<const std::byte> head);

struct ImageTrailer {
  uint64_t image_bytes = 0;
  uint64_t xxh3 = 0;
};

std::array<std::byte, kImageTrailerBytes> encode_image_trailer(const ImageTrailer& trailer);
/// The trailer in the last kImageTrailerBytes of a file; nullopt if they are not one.
std::optional<ImageTrailer> parse_image_trailer(std::span<const std::byte> tail);

/// What a squashfs superblock says that we check (version 4.0 only).
struct SquashfsSuperblock {
  uint16_t major = 0, minor = 0;
  uint64_t bytes_used = 0;
};
std::optional<SquashfsSuperblock> parse_squashfs_superblock(std::span<const std::byte> head);

/// Checks an image bundle's bytes as they arrive, in order, knowing its size:
/// hashes the image part, keeps the superblock and the trailer. finish()
/// throws an Error (without the bundle's name: the caller adds it) unless the
/// file is a whole, unchanged image bundle.
class ImageCheck {
 public:
  explicit ImageCheck(uint64_t file_bytes);
  void update(std::span<const std::byte> bytes);
  void finish() const;

 private:
  uint64_t file_bytes_;
  uint64_t seen_ = 0;
  StreamHash hash_;
  std::array<std::byte, kSquashfsSuperblockBytes> head_{};
  std::array<std::byte, kImageTrailerBytes> tail_{};
};

}  // namespace pybcast
