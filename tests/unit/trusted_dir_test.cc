#include "cache/trusted_dir.h"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "cache/node_layout.h"
#include "test_dir.h"
#include "util/error.h"

namespace pybcast {
namespace {

using testing::TestDir;

constexpr uid_t kNobody = 65534;

std::string refusal(const std::string& path) {
  try {
    open_trusted_dir(path);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(TrustedDir, CreatesMissingComponents) {
  TestDir dir;
  io::Fd fd = open_trusted_dir(dir / "a/b/c");
  EXPECT_TRUE(fd.valid());
  EXPECT_TRUE(std::filesystem::is_directory(dir / "a/b/c"));
}

TEST(TrustedDir, RefusesAWritableAncestorThatIsNotSticky) {
  TestDir dir;
  std::filesystem::create_directories(dir / "shared/local");
  ::chmod((dir / "shared").c_str(), 0777);
  std::string why = refusal(dir / "shared/local");
  EXPECT_NE(why.find(dir / "shared has mode 0777"), std::string::npos) << why;
  EXPECT_NE(why.find("not sticky"), std::string::npos) << why;
  ::chmod((dir / "shared").c_str(), 01777);  // like /dev/shm and /tmp
  EXPECT_EQ(refusal(dir / "shared/local"), "");
}

TEST(TrustedDir, RefusesAnAncestorOfAnotherUser) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to give a directory away";
  TestDir dir;
  std::filesystem::create_directories(dir / "theirs/mine");
  ASSERT_EQ(::chown((dir / "theirs").c_str(), kNobody, kNobody), 0);
  std::string why = refusal(dir / "theirs/mine");
  EXPECT_NE(why.find(dir / "theirs is owned by uid 65534"), std::string::npos) << why;
}

TEST(TrustedDir, FollowsTrustedSymlinksAndChecksTheirTargets) {
  TestDir dir;
  std::filesystem::create_directories(dir / "real/x");
  std::filesystem::create_directory_symlink("real", dir / "link");
  EXPECT_EQ(refusal(dir / "link/x"), "");
  EXPECT_EQ(refusal(dir / "link/../real/x"), "");
  ::chmod((dir / "real").c_str(), 0777);
  EXPECT_NE(refusal(dir / "link/x").find(dir / "real has mode 0777"), std::string::npos);
}

// CHROOT=a/../b (issue 24): ".." is resolved lexically, before anything is
// created, so no stray "a" is left behind.
TEST(TrustedDir, ADotDotCancelsTheComponentBeforeItWhichIsNeverCreated) {
  TestDir dir;
  EXPECT_TRUE(open_trusted_dir(dir / "a/../b").valid());
  EXPECT_TRUE(std::filesystem::is_directory(dir / "b"));
  EXPECT_FALSE(testing::exists_nofollow(dir / "a"));
  EXPECT_TRUE(open_trusted_dir(dir / "c/d/../../e/./f/..").valid());
  EXPECT_TRUE(std::filesystem::is_directory(dir / "e"));
  EXPECT_FALSE(testing::exists_nofollow(dir / "c"));
  EXPECT_FALSE(testing::exists_nofollow(dir / "e/f"));
}

// The directory opened is the one whose path the launcher hands out (the
// lexically normal layout::user_root): a ".." after a symlink does not lead
// to the symlink's target's parent.
TEST(TrustedDir, ADotDotAfterASymlinkIsTheSameDirectoryAsTheUserRootsPath) {
  TestDir dir;
  std::filesystem::create_directories(dir / "real/deep");
  std::filesystem::create_directory_symlink("real/deep", dir / "link");
  std::string chroot = dir / "link/../y";
  EXPECT_TRUE(open_trusted_dir(chroot).valid());
  EXPECT_TRUE(std::filesystem::is_directory(dir / "y"));
  EXPECT_FALSE(testing::exists_nofollow(dir / "real/y"));
  EXPECT_EQ(layout::user_root({chroot}), dir / "y/" + layout::user_root_name());
}

TEST(TrustedDir, RefusesASymlinkOfAnotherUser) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to give a symlink away";
  TestDir dir;
  std::filesystem::create_directories(dir / "real");
  std::filesystem::create_directory_symlink("real", dir / "link");
  ASSERT_EQ(::lchown((dir / "link").c_str(), kNobody, kNobody), 0);
  EXPECT_NE(refusal(dir / "link").find("symlink owned by uid 65534"), std::string::npos);
}

TEST(TrustedDir, RefusesAFile) {
  TestDir dir;
  std::ofstream(dir / "f") << "x";
  EXPECT_NE(refusal(dir / "f/x").find("is not a directory"), std::string::npos);
}

}  // namespace
}  // namespace pybcast
