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

// Published read-only like the entry: a job cannot replace what later jobs
// run (CPython does not look at the source of an unchecked-hash .pyc).
TEST(BytecodeMirror, IsSealedReadOnlyAndChecksWhatChangedInIt) {
  TestDir dir;
  write(dir / "entry/lib/python3.11/__pycache__/os.cpython-311.pyc");
  write(dir / "entry/lib/python3.11/json/__pycache__/decoder.cpython-311.pyc");
  fs::create_directories(dir / "mirror");
  io::Fd entry = io::open(dir / "entry", O_RDONLY | O_DIRECTORY);
  io::Fd mirror = io::open(dir / "mirror", O_RDONLY | O_DIRECTORY);
  ASSERT_EQ(link_bytecode_mirror(entry.get(),
                                 {"lib/python3.11/__pycache__/os.cpython-311.pyc",
                                  "lib/python3.11/json/__pycache__/decoder.cpython-311.pyc"},
                                 mirror.get(), dir / "mirror"),
            2u);
  for (const char* d : {"mirror", "mirror/lib", "mirror/lib/python3.11", "mirror/lib/python3.11/json"})
    EXPECT_EQ(fs::status(dir / d).permissions(), fs::perms(0555)) << d;
  struct stat top {};
  ASSERT_EQ(stat((dir / "mirror").c_str(), &top), 0);
  EXPECT_EQ(check_mirror_identity(mirror.get(), top.st_ino), std::nullopt);
  EXPECT_EQ(check_mirror_identity(mirror.get(), top.st_ino + 1),
            "has a bytecode mirror that is not the one staged with it (replaced)");
  EXPECT_EQ(check_mirror_identity(-1, top.st_ino), "has lost its bytecode mirror");
  EXPECT_EQ(check_mirror_links(entry.get(), mirror.get(), 2, 10).problem_count, 0u);

  // What root (whom the modes do not stop) or a chmod can still do: caught by the deep check.
  std::string decoder = dir / "mirror/lib/python3.11/json/decoder.cpython-311.pyc";
  fs::remove(decoder);
  std::ofstream(decoder) << "poisoned";
  write(dir / "mirror/lib/python3.11/planted.cpython-311.pyc");
  MirrorCheck check = check_mirror_links(entry.get(), mirror.get(), 2, 10);
  EXPECT_EQ(check.files, 3u);
  ASSERT_EQ(check.problem_count, 3u);
  EXPECT_EQ(check.problems[0],
            "bytecode mirror: lib/python3.11/planted.cpython-311.pyc: the entry has no "
            "lib/python3.11/__pycache__/planted.cpython-311.pyc");
  EXPECT_EQ(check.problems[1],
            "bytecode mirror: lib/python3.11/json/decoder.cpython-311.pyc: not the entry's "
            "lib/python3.11/json/__pycache__/decoder.cpython-311.pyc (replaced)");
  EXPECT_EQ(check.problems[2], "bytecode mirror: .: holds 3 files, 2 were linked when the entry was staged");
  fs::permissions(dir / "mirror", fs::perms(0755));
  EXPECT_EQ(check_mirror_identity(mirror.get(), top.st_ino), "has a bytecode mirror that was made writable");
}

}  // namespace
}  // namespace pybcast
