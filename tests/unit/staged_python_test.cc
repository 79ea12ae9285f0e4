#include "launch/staged_python.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "test_dir.h"

namespace pybcast {
namespace {

using testing::TestDir;

void touch(const std::string& path) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path) << "";
}

TEST(StagedPython, FindsTheStandardLibraryUnderLib) {
  TestDir dir;
  touch(dir / "lib/python3.11/os.py");
  EXPECT_TRUE(holds_python(dir.path()));
}

TEST(StagedPython, FindsTheStandardLibraryUnderLib64AsPackAcceptsIt) {
  TestDir dir;
  touch(dir / "lib64/python3.12/os.py");
  EXPECT_TRUE(holds_python(dir.path()));
}

TEST(StagedPython, FindsAHomeOneLevelDown) {
  TestDir dir;
  touch(dir / "3.11.7/lib64/python3.11/os.py");
  EXPECT_TRUE(holds_python(dir.path()));
}

TEST(StagedPython, APrefixWithoutOsPyHoldsNoPython) {
  TestDir dir;
  touch(dir / "lib/python3.11/site.py");
  touch(dir / "lib64/libfoo.so");
  EXPECT_FALSE(holds_python(dir.path()));
}

TEST(StagedPython, ALib64LinkToLibIsOneHome) {
  TestDir dir;
  touch(dir / "lib/python3.11/os.py");
  std::filesystem::create_directory_symlink("lib", dir / "lib64");
  touch(dir / "bin/python3.11");
  PythonHomeRequest request;
  request.prefix = dir.path();
  request.chroot = dir.path();
  try {
    StagedPython python = locate_staged_python(request);
    EXPECT_EQ(python.version, "3.11");
  } catch (const std::exception& e) {
    // No libpython here: what matters is that the home is not called ambiguous.
    EXPECT_EQ(std::string(e.what()).find("several"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace pybcast
