#include "archive/squashfs_image.h"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "util/error.h"

namespace pybcast {
namespace {

/// A fake image: a squashfs 4.0 superblock saying `used` bytes, padding to `size`, then its trailer.
std::vector<std::byte> fake_image(size_t size, uint64_t used) {
  std::vector<std::byte> image(size);
  std::memcpy(image.data(), "hsqs", 4);
  image[28] = std::byte{4};  // s_major
  for (int i = 0; i < 8; ++i) image[40 + i] = std::byte(static_cast<uint8_t>(used >> (8 * i)));
  for (size_t i = kSquashfsSuperblockBytes; i < size; ++i) image[i] = std::byte(static_cast<uint8_t>(i * 7));
  auto trailer = encode_image_trailer({size, hash64(image)});
  image.insert(image.end(), trailer.begin(), trailer.end());
  return image;
}

/// ImageCheck fed in pieces of `piece` bytes; the error message, or "" if accepted.
std::string check(const std::vector<std::byte>& file, size_t piece) {
  ImageCheck c(file.size());
  for (size_t at = 0; at < file.size(); at += piece)
    c.update(std::span(file).subspan(at, std::min(piece, file.size() - at)));
  try {
    c.finish();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(SquashfsImage, TrailerRoundTrips) {
  auto bytes = encode_image_trailer({123456789, 0xfedcba9876543210});
  std::optional<ImageTrailer> t = parse_image_trailer(bytes);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->image_bytes, 123456789u);
  EXPECT_EQ(t->xxh3, 0xfedcba9876543210u);
  bytes[0] = std::byte{'X'};
  EXPECT_FALSE(parse_image_trailer(bytes));
}

TEST(SquashfsImage, RecognisesTheMagicAndTheSuperblock) {
  auto image = fake_image(4096, 3000);
  EXPECT_TRUE(is_squashfs(image));
  std::optional<SquashfsSuperblock> s = parse_squashfs_superblock(image);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->major, 4);
  EXPECT_EQ(s->bytes_used, 3000u);
  const std::byte tar_head[4] = {std::byte{'b'}, std::byte{'i'}, std::byte{'n'}, std::byte{'/'}};
  EXPECT_FALSE(is_squashfs(tar_head));
}

TEST(SquashfsImage, AcceptsAWholeImageInAnyPieces) {
  auto image = fake_image(8192, 8000);
  for (size_t piece : {1, 7, 32, 95, 96, 97, 4096, 100000}) EXPECT_EQ(check(image, piece), "") << piece;
}

TEST(SquashfsImage, RefusesAFlippedBitACutAndAForeignFile) {
  auto image = fake_image(8192, 8000);
  auto flipped = image;
  flipped[5000] ^= std::byte{1};
  EXPECT_NE(check(flipped, 1000).find("image is damaged"), std::string::npos);
  auto cut = std::vector<std::byte>(image.begin(), image.end() - 100);
  EXPECT_NE(check(cut, 1000).find("no pybcast trailer"), std::string::npos);
  auto extended = image;
  extended.insert(extended.begin() + 8192, std::byte{0});
  EXPECT_NE(check(extended, 1000).find("trailer"), std::string::npos);
  auto superblock = image;
  superblock[1] = std::byte{'X'};
  EXPECT_NE(check(superblock, 1000).find("not a squashfs image"), std::string::npos);
  auto too_used = fake_image(8192, 9000);
  EXPECT_NE(check(too_used, 1000).find("bytes used"), std::string::npos);
}

}  // namespace
}  // namespace pybcast
