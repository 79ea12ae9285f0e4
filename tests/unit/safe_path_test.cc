#include "archive/safe_path.h"

#include <gtest/gtest.h>

#include "util/error.h"

namespace pybcast {
namespace {

TEST(SafePath, SplitsAndNormalises) {
  EXPECT_EQ(split_member_path("./a//b/./c/"), (PathParts{"a", "b", "c"}));
  EXPECT_TRUE(split_member_path("./").empty());
  EXPECT_TRUE(split_member_path("").empty());
}

TEST(SafePath, RefusesAbsoluteAndDotDot) {
  EXPECT_THROW(split_member_path("/etc/passwd"), Error);
  EXPECT_THROW(split_member_path("../x"), Error);
  EXPECT_THROW(split_member_path("a/../../x"), Error);
  EXPECT_THROW(split_member_path("a/b/.."), Error);
  EXPECT_NO_THROW(split_member_path("a/..b/c.."));
}

TEST(SafePath, RefusesOverlongNames) {
  EXPECT_THROW(split_member_path(std::string(300, 'a')), Error);
  std::string deep;
  for (int i = 0; i < 500; ++i) deep += "abcdefgh/";
  EXPECT_THROW(split_member_path(deep), Error);
}

TEST(SafePath, ShownNameShortensOnlyLongNames) {
  EXPECT_EQ(shown_name("lib/python3.11/os.py"), "lib/python3.11/os.py");
  std::string shown = shown_name(std::string(1000, 'a') + "/tail.py");
  EXPECT_LT(shown.size(), 120u);
  EXPECT_NE(shown.find("/tail.py (1008 bytes)"), std::string::npos) << shown;
}

TEST(SafePath, SymlinkEscapes) {
  EXPECT_TRUE(symlink_escapes({"a"}, "/etc"));
  EXPECT_TRUE(symlink_escapes({"a"}, ".."));
  EXPECT_FALSE(symlink_escapes({"a", "b"}, ".."));
  EXPECT_TRUE(symlink_escapes({"a", "b"}, "../.."));
  EXPECT_FALSE(symlink_escapes({"a", "b"}, "../c/../d"));
  EXPECT_TRUE(symlink_escapes({"a", "b"}, "c/../../../d"));
  EXPECT_FALSE(symlink_escapes({"lib", "libpython3.11.so"}, "libpython3.11.so.1.0"));
}

}  // namespace
}  // namespace pybcast
