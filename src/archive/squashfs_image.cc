#include "archive/squashfs_image.h"

#include <algorithm>
#include <cstring>

#include "util/error.h"

namespace pybcast {

namespace {

constexpr char kTrailerMagic[] = "pybcast-image-1\n";  // 16 bytes without the NUL
static_assert(sizeof kTrailerMagic - 1 == 16);
/// Superblock fields (squashfs 4.0, little-endian): s_major at 28, s_minor at 30, bytes_used at 40.
constexpr size_t kMajorOffset = 28, kMinorOffset = 30, kBytesUsedOffset = 40;

uint64_t load_le(std::span<const std::byte> bytes, size_t offset, size_t width) {
  uint64_t value = 0;
  for (size_t i = 0; i < width; ++i) value |= uint64_t{std::to_integer<uint8_t>(bytes[offset + i])} << (8 * i);
  return value;
}

void store_le(std::span<std::byte> bytes, size_t offset, uint64_t value) {
  for (size_t i = 0; i < 8; ++i) bytes[offset + i] = std::byte(static_cast<uint8_t>(value >> (8 * i)));
}

}  // namespace

bool is_squashfs(std::span<const std::byte> head) {
  return head.size() >= 4 && std::memcmp(head.data(), "hsqs", 4) == 0;
}

std::array<std::byte, kImageTrailerBytes> encode_image_trailer(const ImageTrailer& trailer) {
  std::array<std::byte, kImageTrailerBytes> out{};
  std::memcpy(out.data(), kTrailerMagic, 16);
  store_le(out, 16, trailer.image_bytes);
  store_le(out, 24, trailer.xxh3);
  return out;
}

std::optional<ImageTrailer> parse_image_trailer(std::span<const std::byte> tail) {
  if (tail.size() != kImageTrailerBytes || std::memcmp(tail.data(), kTrailerMagic, 16) != 0) return std::nullopt;
  return ImageTrailer{load_le(tail, 16, 8), load_le(tail, 24, 8)};
}

std::optional<SquashfsSuperblock> parse_squashfs_superblock(std::span<const std::byte> head) {
  if (head.size() < kSquashfsSuperblockBytes || !is_squashfs(head)) return std::nullopt;
  return SquashfsSuperblock{static_cast<uint16_t>(load_le(head, kMajorOffset, 2)),
                            static_cast<uint16_t>(load_le(head, kMinorOffset, 2)), load_le(head, kBytesUsedOffset, 8)};
}

ImageCheck::ImageCheck(uint64_t file_bytes) : file_bytes_(file_bytes) {}

void ImageCheck::update(std::span<const std::byte> bytes) {
  uint64_t image_end = file_bytes_ >= kImageTrailerBytes ? file_bytes_ - kImageTrailerBytes : 0;
  for (size_t i = 0; i < bytes.size();) {
    uint64_t at = seen_ + i;
    if (at < kSquashfsSuperblockBytes) head_[at] = bytes[i];
    if (at < image_end) {
      size_t n = static_cast<size_t>(std::min<uint64_t>(image_end - at, bytes.size() - i));
      hash_.update(bytes.subspan(i, n));
      // The superblock may lie in this run: copy what is left of it.
      for (size_t j = 0; j < n && at + j < kSquashfsSuperblockBytes; ++j) head_[at + j] = bytes[i + j];
      i += n;
      continue;
    }
    if (at - image_end < kImageTrailerBytes) tail_[at - image_end] = bytes[i];
    ++i;
  }
  seen_ += bytes.size();
}

void ImageCheck::finish() const {
  if (seen_ != file_bytes_) fail("image arrived with {} bytes, {} expected", seen_, file_bytes_);
  std::optional<SquashfsSuperblock> super = parse_squashfs_superblock(head_);
  if (file_bytes_ < kSquashfsSuperblockBytes + kImageTrailerBytes || !super)
    fail("not a squashfs image (too short, or its superblock is damaged)");
  std::optional<ImageTrailer> trailer = parse_image_trailer(tail_);
  if (!trailer)
    fail(
        "image has no pybcast trailer at its end: it was cut short, or not made by `pybcast pack` (convert it with "
        "`pybcast pack image`)");
  if (trailer->image_bytes != file_bytes_ - kImageTrailerBytes)
    fail("image is {} bytes but its trailer says {}: it was cut or extended", file_bytes_ - kImageTrailerBytes,
         trailer->image_bytes);
  if (hash_.digest() != trailer->xxh3)
    fail("image is damaged: its content hash is {}, its trailer says {}", hex64(hash_.digest()), hex64(trailer->xxh3));
  if (super->major != 4) fail("squashfs version {}.{} is not supported (4.0 is)", super->major, super->minor);
  if (super->bytes_used > trailer->image_bytes)
    fail("squashfs superblock says {} bytes used, more than the image's {}", super->bytes_used, trailer->image_bytes);
}

}  // namespace pybcast
