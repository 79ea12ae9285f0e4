#include "pack/image_writer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <iterator>
#include <vector>

#include "archive/squashfs_image.h"
#include "test_dir.h"
#include "util/error.h"

namespace pybcast {
namespace {

using testing::TestDir;

void write_bytes(const std::string& path, const std::vector<std::byte>& bytes) {
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), std::ssize(bytes));
}

std::vector<std::byte> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<char> chars((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::byte> bytes(chars.size());
  std::memcpy(bytes.data(), chars.data(), chars.size());
  return bytes;
}

/// A squashfs 4.0 superblock saying `used` bytes, then padding to `size` (no trailer: made elsewhere).
std::vector<std::byte> foreign_squashfs(size_t size, uint64_t used) {
  std::vector<std::byte> image(size, std::byte{0x5a});
  std::fill_n(image.begin(), kSquashfsSuperblockBytes, std::byte{0});
  std::memcpy(image.data(), "hsqs", 4);
  image[28] = std::byte{4};  // s_major
  for (int i = 0; i < 8; ++i) image[40 + i] = std::byte(static_cast<uint8_t>(used >> (8 * i)));
  return image;
}

std::string sealing_error(const std::string& input, const std::string& output) {
  try {
    write_image({input}, output, {});
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(ImageWriter, SealsASquashfsImageMadeElsewhereSoThatEveryNodeCanVerifyIt) {
  TestDir dir;
  std::vector<std::byte> image = foreign_squashfs(8192, 8000);
  write_bytes(dir.path() + "/site.sqfs", image);
  ImageResult result = write_image({dir.path() + "/site.sqfs"}, dir.path() + "/sealed.sqfs", {});
  std::vector<std::byte> sealed = read_bytes(dir.path() + "/sealed.sqfs");
  EXPECT_EQ(result.bytes, image.size() + kImageTrailerBytes);
  ASSERT_EQ(sealed.size(), image.size() + kImageTrailerBytes);
  EXPECT_TRUE(std::equal(image.begin(), image.end(), sealed.begin()));  // the image's bytes, unchanged
  ImageCheck check(sealed.size());
  check.update(sealed);
  EXPECT_NO_THROW(check.finish());
  // Sealed once is enough; a second seal is refused and writes nothing.
  EXPECT_NE(sealing_error(dir.path() + "/sealed.sqfs", dir.path() + "/twice.sqfs").find("is an image bundle already"),
            std::string::npos);
  EXPECT_FALSE(testing::exists_nofollow(dir.path() + "/twice.sqfs"));
}

TEST(ImageWriter, RefusesToSealACutImageOrAnotherVersion) {
  TestDir dir;
  write_bytes(dir.path() + "/cut.sqfs", foreign_squashfs(4096, 9000));  // says more than the file holds
  EXPECT_NE(sealing_error(dir.path() + "/cut.sqfs", dir.path() + "/out.sqfs").find("cut short"), std::string::npos);
  std::vector<std::byte> v3 = foreign_squashfs(4096, 4096);
  v3[28] = std::byte{3};
  write_bytes(dir.path() + "/v3.sqfs", v3);
  EXPECT_NE(sealing_error(dir.path() + "/v3.sqfs", dir.path() + "/out.sqfs").find("not a squashfs 4.0 image"),
            std::string::npos);
  EXPECT_FALSE(testing::exists_nofollow(dir.path() + "/out.sqfs"));
}

}  // namespace
}  // namespace pybcast
