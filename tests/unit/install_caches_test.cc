#include "warm/install_caches.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "bundle/manifest.h"
#include "bundle/metadata_layout.h"
#include "test_dir.h"
#include "util/error.h"
#include "util/io.h"

namespace pybcast {
namespace {

using testing::exists_nofollow;
using testing::read_file;
using testing::TestDir;
using testing::write_tree_file;

struct Staged {
  TestDir dir;
  std::string prefix = dir / "entry";
  std::string caches = dir / "caches";
  std::string bundle = "/scratch/me/caches.tar.zst";

  Staged() { std::filesystem::create_directories(caches); }
  std::string member(const std::string& path) const {
    return prefix + "/" + staged_member_path(bundle, std::string(kCachesMemberDir) + "/" + path);
  }
  InstallResult install(const std::string& key, const std::set<std::string>& wanted) const {
    io::Fd fd = io::open(caches, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    return install_caches(prefix, key, bundle, fd.get(), caches, wanted);
  }
};

TEST(InstallCaches, CopiesTheWantedCachesOnceAndFollowsNoLink) {
  Staged s;
  write_tree_file(s.member("numba/m/f.nbi"), "index");
  write_tree_file(s.member("numba/m/f.1.nbc"), "code");
  write_tree_file(s.member("matplotlib/fontlist.json"), "{}");
  write_tree_file(s.member("triton/k/kernel.so"), "skipped by its version");
  write_tree_file(s.dir / "secret", "not ours");
  std::filesystem::create_symlink(s.dir / "secret", s.member("numba/m/link"));
  write_tree_file(s.caches + "/numba/m/f.nbi", "older");  // what an earlier job left
  InstallResult r = s.install("k1", {"numba", "matplotlib"});
  EXPECT_FALSE(r.already);
  ASSERT_EQ(r.caches.size(), 2u);
  EXPECT_EQ(r.caches[0].name, "matplotlib");
  EXPECT_EQ(r.caches[1].name, "numba");
  EXPECT_EQ(r.caches[1].files, 2u);
  EXPECT_EQ(r.caches[1].bytes, 9u);
  EXPECT_EQ(read_file(s.caches + "/numba/m/f.nbi"), "index");
  EXPECT_EQ(read_file(s.caches + "/matplotlib/fontlist.json"), "{}");
  EXPECT_FALSE(exists_nofollow(s.caches + "/numba/m/link"));
  EXPECT_FALSE(exists_nofollow(s.caches + "/triton"));
  struct stat st {};
  ASSERT_EQ(::stat((s.caches + "/matplotlib").c_str(), &st), 0);  // made here
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  for (const auto& e : std::filesystem::directory_iterator(s.caches + "/numba/m"))
    EXPECT_FALSE(e.path().filename().string().starts_with(".pybcast-tmp")) << e.path();

  // The job grows its cache; a later step of the same entry must not put the old file back.
  write_tree_file(s.caches + "/numba/m/f.nbi", "rewritten by the job");
  r = s.install("k1", {"numba", "matplotlib"});
  EXPECT_TRUE(r.already);
  EXPECT_EQ(read_file(s.caches + "/numba/m/f.nbi"), "rewritten by the job");
  // A newer caches bundle (another entry) replaces what it holds.
  r = s.install("k2", {"numba"});
  EXPECT_FALSE(r.already);
  EXPECT_EQ(read_file(s.caches + "/numba/m/f.nbi"), "index");
}

TEST(InstallCaches, ABundleThatHoldsNoCachesInstallsNothing) {
  Staged s;
  std::filesystem::create_directories(s.prefix);
  InstallResult r = s.install("k", {"numba"});
  EXPECT_TRUE(r.caches.empty());
  EXPECT_FALSE(r.already);
}

TEST(InstallCaches, ALinkInPlaceOfACacheDirectoryIsRefused) {
  Staged s;
  std::filesystem::create_directories(s.dir / "elsewhere");
  std::filesystem::create_directories(std::filesystem::path(s.member("numba")).parent_path());
  std::filesystem::create_directory_symlink(s.dir / "elsewhere", s.member("numba"));
  write_tree_file(s.dir / "elsewhere/f.nbi", "x");
  EXPECT_THROW(s.install("k", {"numba"}), Error);
  EXPECT_FALSE(exists_nofollow(s.caches + "/numba/f.nbi"));
}

}  // namespace
}  // namespace pybcast
