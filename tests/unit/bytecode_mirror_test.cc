#include "stage/bytecode_mirror.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "test_dir.h"
#include "util/io.h"

namespace pybcast {
namespace {

using testing::TestDir;
namespace fs = std::filesystem;

void write(const std::string& path) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path) << "bytecode";
}

TEST(BytecodeMirror, LinksEachPycWhereThePycachePrefixLooks) {
  TestDir dir;
  write(dir / "entry/lib/python3.11/__pycache__/os.cpython-311.pyc");
  write(dir / "entry/lib/python3.11/json/__pycache__/decoder.cpython-311.pyc");
  fs::create_directories(dir / "mirror");
  io::Fd entry = io::open(dir / "entry", O_RDONLY | O_DIRECTORY);
  io::Fd mirror = io::open(dir / "mirror", O_RDONLY | O_DIRECTORY);
  size_t linked = link_bytecode_mirror(
      entry.get(),
      {"lib/python3.11/__pycache__/os.cpython-311.pyc", "lib/python3.11/json/__pycache__/decoder.cpython-311.pyc"},
      mirror.get(), dir / "mirror");
  EXPECT_EQ(linked, 2u);
  struct stat a {
  }, b{};
  ASSERT_EQ(stat((dir / "mirror/lib/python3.11/os.cpython-311.pyc").c_str(), &a), 0);
  ASSERT_EQ(stat((dir / "entry/lib/python3.11/__pycache__/os.cpython-311.pyc").c_str(), &b), 0);
  EXPECT_EQ(a.st_ino, b.st_ino) << "not a hard link to the staged file";
  EXPECT_TRUE(fs::exists(dir / "mirror/lib/python3.11/json/decoder.cpython-311.pyc"));
  // Again: names already there are kept, nothing fails.
  EXPECT_EQ(link_bytecode_mirror(entry.get(), {"lib/python3.11/__pycache__/os.cpython-311.pyc"}, mirror.get(),
                                 dir / "mirror"),
            0u);
}

TEST(BytecodeMirror, SkipsWhatALaterBundleReplacedAndNeverFollowsSymlinks) {
  TestDir dir;
  write(dir / "outside/__pycache__/evil.cpython-311.pyc");
  fs::create_directories(dir / "entry/lib");
  fs::create_symlink(dir / "outside", dir / "entry/lib/pkg");  // a directory replaced by a symlink
  fs::create_directories(dir / "entry/lib/other/__pycache__");
  fs::create_symlink(dir / "outside/__pycache__/evil.cpython-311.pyc",
                     dir / "entry/lib/other/__pycache__/x.cpython-311.pyc");  // a .pyc replaced by a symlink
  fs::create_directories(dir / "mirror");
  io::Fd entry = io::open(dir / "entry", O_RDONLY | O_DIRECTORY);
  io::Fd mirror = io::open(dir / "mirror", O_RDONLY | O_DIRECTORY);
  size_t linked =
      link_bytecode_mirror(entry.get(),
                           {"lib/pkg/__pycache__/evil.cpython-311.pyc", "lib/other/__pycache__/x.cpython-311.pyc",
                            "lib/gone/__pycache__/y.cpython-311.pyc"},
                           mirror.get(), dir / "mirror");
  EXPECT_EQ(linked, 0u);
  EXPECT_FALSE(fs::exists(dir / "mirror/lib/pkg"));
  EXPECT_FALSE(fs::exists(fs::symlink_status(dir / "mirror/lib/other/x.cpython-311.pyc")));
}

}  // namespace
}  // namespace pybcast
