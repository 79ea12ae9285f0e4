#include "tree/file_set.h"

#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include <gtest/gtest.h>

#include "test_dir.h"
#include "util/error.h"

namespace pybcast {
namespace {

using testing::TestDir;

void write(const std::string& path, const std::string& text, mode_t mode = 0644) {
  std::ofstream(path) << text;
  ::chmod(path.c_str(), mode);
}

std::vector<std::string> members(const FileSet& files) {
  std::vector<std::string> out;
  for (const auto& e : files.entries()) out.push_back(e.member);
  return out;
}

TEST(PackPaths, NormalizesLexically) {
  EXPECT_EQ(normalize_member("a/./b//c/"), "a/b/c");
  EXPECT_EQ(normalize_member("a/b/../c"), "a/c");
  EXPECT_EQ(normalize_member(""), "");
  EXPECT_EQ(normalize_member("a/.."), "");
  EXPECT_EQ(normalize_member("../a"), std::nullopt);
  EXPECT_EQ(normalize_member("/etc"), std::nullopt);
  // RECORD lists console scripts relative to the site directory.
  EXPECT_EQ(join_member("lib/python3.11/site-packages", "../../../bin/tool"), "bin/tool");
  EXPECT_EQ(join_member("lib", "../../x"), std::nullopt);
  EXPECT_EQ(join_member("lib", "/abs"), std::nullopt);
}

TEST(PackExclude, DefaultGlobsMatchNamesAnywhere) {
  ExcludeFilter f;
  for (const auto& g : ExcludeFilter::default_globs()) f.add_glob(g);
  EXPECT_TRUE(f.excluded("a/b/logo.png"));
  EXPECT_TRUE(f.excluded("x.jpg"));
  EXPECT_TRUE(f.excluded("doc/index.html"));
  EXPECT_TRUE(f.excluded("m/__pycache__/m.cpython-311.pyc"));
  EXPECT_TRUE(f.excluded("m/old.pyo"));
  EXPECT_FALSE(f.excluded("m/mod.py"));
  EXPECT_FALSE(f.excluded("m/png.py"));
  EXPECT_FALSE(f.excluded("m/page.htm"));
}

TEST(PackExclude, DirectoryNamesPathsAndPrunedTrees) {
  ExcludeFilter f;
  f.add_glob("tests/");
  f.add_glob("numpy/*/include");
  f.add_pruned("lib/python3.11/test");
  EXPECT_TRUE(f.excluded("numpy/core/tests/test_a.py"));
  EXPECT_TRUE(f.excluded("tests"));
  EXPECT_FALSE(f.excluded("numpy/core/tests_helper.py"));
  EXPECT_TRUE(f.excluded("numpy/core/include/numpy/a.h"));
  EXPECT_FALSE(f.excluded("numpy/include"));
  EXPECT_TRUE(f.excluded("lib/python3.11/test/support/x.py"));
  EXPECT_FALSE(f.excluded("lib/python3.11/test_x.py"));
  EXPECT_FALSE(f.excluded("lib/python3.11/testing"));
}

TEST(PackFileSet, WalksTreesSortedWithParentsFirst) {
  TestDir d;
  ::mkdir((d / "p").c_str(), 0755);
  ::mkdir((d / "p/bin").c_str(), 0755);
  ::mkdir((d / "p/lib").c_str(), 0755);
  ::mkdir((d / "p/lib/empty").c_str(), 0755);
  ::mkdir((d / "p/lib/__pycache__").c_str(), 0755);
  write(d / "p/bin/tool", "#!/bin/sh\n", 0755);
  write(d / "p/lib/a.py", "x = 1\n");
  write(d / "p/lib/__pycache__/a.cpython-311.pyc", "junk");
  write(d / "p/lib/logo.png", "png");
  ::symlink("a.py", (d / "p/lib/b.py").c_str());
  ::symlink("/etc/hostname", (d / "p/lib/c.py").c_str());

  ExcludeFilter f;
  for (const auto& g : ExcludeFilter::default_globs()) f.add_glob(g);
  FileSet files(f);
  files.add(d / "p", "", true);
  EXPECT_EQ(members(files), (std::vector<std::string>{"bin", "bin/tool", "lib", "lib/__pycache__", "lib/a.py",
                                                      "lib/b.py", "lib/c.py", "lib/empty"}));
  EXPECT_TRUE(files.find("bin/tool")->executable);
  EXPECT_FALSE(files.find("lib/a.py")->executable);
  EXPECT_EQ(files.find("lib/a.py")->size, 6u);
  EXPECT_EQ(files.find("lib/b.py")->type, EntryType::symlink);
  EXPECT_EQ(files.find("lib/b.py")->link, "a.py");
  EXPECT_EQ(files.find("lib/c.py")->link, "/etc/hostname");
}

TEST(PackFileSet, AddsParentsOfSingleFilesAndRelocates) {
  TestDir d;
  write(d / "f.py", "print(1)\n");
  FileSet files;
  files.add(d / "f.py", "lib/python3.11/site-packages/pkg/f.py");
  files.put_symlink("bin/python3", "python3.11");
  EXPECT_EQ(members(files),
            (std::vector<std::string>{"bin", "bin/python3", "lib", "lib/python3.11", "lib/python3.11/site-packages",
                                      "lib/python3.11/site-packages/pkg", "lib/python3.11/site-packages/pkg/f.py"}));
  files.relocate("lib/python3.11/site-packages", "lib/python3/dist-packages");
  EXPECT_NE(files.find("lib/python3/dist-packages/pkg/f.py"), nullptr);
  EXPECT_EQ(files.find("lib/python3.11/site-packages/pkg/f.py"), nullptr);
}

TEST(PackFileSet, RefusesSymlinkLoops) {
  TestDir d;
  ::mkdir((d / "p").c_str(), 0755);
  ::symlink("b", (d / "p/a").c_str());
  ::symlink("a", (d / "p/b").c_str());
  FileSet files;
  try {
    files.add(d / "p", "", true);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("symlink loop"), std::string::npos) << e.what();
  }
  ::symlink("self", (d / "self").c_str());
  EXPECT_THROW(files.add(d / "self", "", true), Error);
}

TEST(PackFileSet, RefusesMembersBelowASymlink) {
  TestDir d;
  write(d / "f", "x");
  FileSet files;
  files.put_symlink("lib64", "lib");
  files.add(d / "f", "lib64/f");
  EXPECT_THROW(files.entries(), Error);
}

TEST(PackFileSet, KeepsTheFirstOfTwoSourcesAndSaysSo) {
  TestDir d;
  write(d / "one", "1");
  write(d / "two", "2");
  FileSet files;
  files.add(d / "one", "x");
  files.add(d / "two", "x");
  EXPECT_EQ(files.find("x")->source, d / "one");
  ASSERT_EQ(files.warnings().size(), 1u);
  EXPECT_NE(files.warnings()[0].find("keeping the first"), std::string::npos);
}

}  // namespace
}  // namespace pybcast
