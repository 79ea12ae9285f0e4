#include "warm/cache_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "test_dir.h"
#include "util/io.h"

namespace pybcast {
namespace {

using testing::TestDir;
using testing::write_tree_file;

CacheSnapshot snap(const TestDir& dir, const std::vector<std::string>& names) {
  io::Fd fd = io::open(dir.path(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  return snapshot_caches(fd.get(), dir.path(), names);
}

std::vector<std::string> paths(const std::vector<CacheFile>& files) {
  std::vector<std::string> out;
  for (const auto& f : files) out.push_back(f.path);
  return out;
}

TEST(CacheFiles, ASnapshotHoldsTheRegularFilesOfTheNamedCachesAndNoLink) {
  TestDir dir;
  write_tree_file(dir / "numba/mod/f.nbi", "index");
  write_tree_file(dir / "numba/mod/f.1.nbc", "code");
  write_tree_file(dir / "matplotlib/fontlist-v330.json", "{}");
  write_tree_file(dir / "triton/ignored", "not asked for");
  write_tree_file(dir / "outside", "secret");
  std::filesystem::create_symlink(dir / "outside", dir / "numba/link");
  std::filesystem::create_directory_symlink(dir.path(), dir / "numba/loop");
  ::mkfifo((dir / "numba/fifo").c_str(), 0600);
  ::chmod((dir / "numba/mod/f.1.nbc").c_str(), 0700);
  CacheSnapshot s = snap(dir, {"numba", "matplotlib", "cupy"});  // cupy: not there, holds nothing
  std::vector<std::string> names;
  for (const auto& [path, f] : s) names.push_back(path);
  EXPECT_EQ(names, (std::vector<std::string>{"matplotlib/fontlist-v330.json", "numba/mod/f.1.nbc", "numba/mod/f.nbi"}));
  EXPECT_EQ(s.at("numba/mod/f.nbi").size, 5u);
  EXPECT_TRUE(s.at("numba/mod/f.1.nbc").executable);
  EXPECT_FALSE(s.at("numba/mod/f.nbi").executable);
}

TEST(CacheFiles, GainedAreNewFilesAndFilesRewrittenInPlaceOrByRename) {
  TestDir dir;
  write_tree_file(dir / "numba/same", "1");
  write_tree_file(dir / "numba/grown", "1");
  write_tree_file(dir / "numba/renamed", "1");
  write_tree_file(dir / "numba/gone", "1");
  CacheSnapshot before = snap(dir, {"numba"});
  write_tree_file(dir / "numba/grown", "12");
  write_tree_file(dir / "numba/renamed.tmp", "2");
  std::filesystem::rename(dir / "numba/renamed.tmp", dir / "numba/renamed");  // same size, new inode
  std::filesystem::remove(dir / "numba/gone");
  write_tree_file(dir / "numba/new/deep", "n");
  CacheSnapshot after = snap(dir, {"numba"});
  EXPECT_EQ(paths(gained_files(before, after)),
            (std::vector<std::string>{"numba/grown", "numba/new/deep", "numba/renamed"}));
  EXPECT_TRUE(gained_files(after, after).empty());
}

TEST(CacheFiles, TheCacheOfAFileIsItsFirstComponent) {
  EXPECT_EQ(cache_of("numba/a/b.nbi"), "numba");
  EXPECT_EQ(cache_of("matplotlib"), "matplotlib");
}

}  // namespace
}  // namespace pybcast
