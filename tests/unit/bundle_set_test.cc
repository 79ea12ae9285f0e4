#include "stage/bundle_set.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "test_dir.h"
#include "util/error.h"
#include "util/io.h"

namespace pybcast {
namespace {

using testing::TestDir;

void write(const std::string& path, const std::string& text) { std::ofstream(path, std::ios::trunc) << text; }

std::vector<std::string> make_bundles(const TestDir& dir, size_t count) {
  std::vector<std::string> names;
  for (size_t i = 0; i < count; ++i) {
    names.push_back("b" + std::to_string(i));
    write(dir / names.back(), "bundle " + std::to_string(i));
  }
  return names;
}

/// Reads bundle `index` whole, as one last chunk.
std::string read_bundle(BundleSet& set, size_t index) {
  std::string out(set.sizes()[index], '\0');
  set.read(ChunkSpec{index, 0, static_cast<uint32_t>(out.size()), true},
           std::as_writable_bytes(std::span(out.data(), out.size())));
  return out;
}

TEST(BundleSet, KeepsOnlyAsManyBundlesOpenAsItMayAndReopensTheRestAtTheirTurn) {
  TestDir dir;
  std::vector<std::string> names = make_bundles(dir, 6);
  size_t before = io::open_files_count();
  BundleSet set(dir.path(), names, {}, 3);
  EXPECT_EQ(io::open_files_count(), before + 2);  // two kept, one fd left for the others' turns
  for (size_t i = 0; i < names.size(); ++i) {
    EXPECT_EQ(read_bundle(set, i), "bundle " + std::to_string(i));
    EXPECT_LE(io::open_files_count(), before + 3);
  }
  EXPECT_EQ(io::open_files_count(), before + 2);
  // A second round reads them all again.
  for (size_t i = 0; i < names.size(); ++i) EXPECT_EQ(read_bundle(set, i), "bundle " + std::to_string(i));
}

TEST(BundleSet, KeepsEveryBundleOpenWhenTheyFit) {
  TestDir dir;
  std::vector<std::string> names = make_bundles(dir, 4);
  size_t before = io::open_files_count();
  BundleSet set(dir.path(), names, {}, 4);
  EXPECT_EQ(io::open_files_count(), before + 4);
  // Read through the fds of the open step: no path is opened again (the bundles' directory is moved away).
  std::string moved = dir.path() + "-moved";
  ASSERT_EQ(std::rename(dir.path().c_str(), moved.c_str()), 0);
  for (size_t i = 0; i < names.size(); ++i) EXPECT_EQ(read_bundle(set, i), "bundle " + std::to_string(i));
  ASSERT_EQ(std::rename(moved.c_str(), dir.path().c_str()), 0);
  EXPECT_EQ(io::open_files_count(), before + 4);
}

TEST(BundleSet, RefusesABundleReplacedBeforeItIsReopened) {
  TestDir dir;
  std::vector<std::string> names = make_bundles(dir, 3);
  BundleSet set(dir.path(), names, {}, 1);
  write(dir / "new", "bundle 2");  // the same size and content, another file
  ASSERT_EQ(std::rename((dir / "new").c_str(), (dir / "b2").c_str()), 0);
  EXPECT_EQ(read_bundle(set, 0), "bundle 0");
  try {
    read_bundle(set, 2);
    FAIL() << "a replaced bundle was read";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(),
                 "bundle 'b2' changed while being read (replaced by another file); stage again once it is stable");
  }
}

TEST(BundleSet, RefusesABundleModifiedOrRemovedBeforeItIsReopened) {
  TestDir dir;
  std::vector<std::string> names = make_bundles(dir, 3);
  BundleSet set(dir.path(), names, {}, 1);
  write(dir / "b1", "bundle 1 grew");  // in place: the same inode
  ASSERT_EQ(::unlink((dir / "b2").c_str()), 0);
  try {
    read_bundle(set, 1);
    FAIL() << "a modified bundle was read";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "bundle 'b1' changed while being read (size 8 -> 13 bytes); stage again once it is stable");
  }
  try {
    read_bundle(set, 2);
    FAIL() << "a removed bundle was read";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()).rfind("bundle 'b2' changed while being read (cannot open it again: ", 0), 0)
        << e.what();
  }
}

}  // namespace
}  // namespace pybcast
