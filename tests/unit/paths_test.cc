#include <gtest/gtest.h>

#include "util/paths.h"

namespace pybcast {
namespace {

TEST(Paths, WithinComparesWholeComponents) {
  EXPECT_TRUE(is_within("/a/b", "/a/b"));
  EXPECT_TRUE(is_within("/a/b/c", "/a/b"));
  EXPECT_FALSE(is_within("/a/bc", "/a/b"));
  EXPECT_FALSE(is_within("/a", "/a/b"));
  EXPECT_FALSE(is_within("/a", ""));
}

TEST(Paths, EverythingAbsoluteIsUnderTheRoot) {
  EXPECT_TRUE(is_within("/", "/"));
  EXPECT_TRUE(is_within("/usr/lib", "/"));
  EXPECT_TRUE(is_beneath("/usr/lib", "/"));
  EXPECT_FALSE(is_beneath("/", "/"));
  EXPECT_FALSE(is_within("relative", "/"));
}

TEST(Paths, BeneathExcludesTheDirectoryItself) {
  EXPECT_FALSE(is_beneath("/a/b", "/a/b"));
  EXPECT_TRUE(is_beneath("/a/b/c", "/a/b"));
  EXPECT_FALSE(is_beneath("/a/bc", "/a/b"));
}

TEST(Paths, RelativeToTheDirectory) {
  EXPECT_EQ(relative_to("/a/b/c/d", "/a/b"), "c/d");
  EXPECT_EQ(relative_to("/a/b", "/a/b"), "");
  EXPECT_EQ(relative_to("/usr/lib", "/"), "usr/lib");
}

TEST(Paths, RealPathResolvesOrKeepsThePath) {
  EXPECT_EQ(real_path("/"), "/");
  EXPECT_EQ(real_path("/no/such/path/here"), "/no/such/path/here");
}

}  // namespace
}  // namespace pybcast
