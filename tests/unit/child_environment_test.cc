#include "launch/child_environment.h"

#include <cstdio>
#include <cstdlib>
#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "test_dir.h"

namespace pybcast {
namespace {

TEST(ChildEnvironment, NothingToGiveBackIsNoCode) { EXPECT_EQ(restore_source({}), ""); }

TEST(ChildEnvironment, EveryByteIsEscapedAndNoNameIsBound) {
  std::string code = restore_source({{"PYTHONHOME", std::nullopt}, {"PYTHONHASHSEED", "7"}});
  EXPECT_EQ(code.find("PYTHONHOME"), std::string::npos);  // escaped: \x50\x59...
  EXPECT_NE(code.find("environb.pop(b'\\x50\\x59"), std::string::npos);
  EXPECT_NE(code.find("= b'\\x37'"), std::string::npos);
  EXPECT_EQ(code.find("import os"), std::string::npos);  // __import__: no name in __main__
}

// The code run by a real Python gives os.environ, and so a child, the values back.
TEST(ChildEnvironment, APythonRunningTheCodeGivesChildrenTheUsersValues) {
  if (std::system("command -v python3 >/dev/null") != 0) GTEST_SKIP() << "no python3";
  testing::TestDir d;
  std::string code = restore_source({{"PB_GONE", std::nullopt}, {"PB_ODD", "a'b\\c\n\xff"}});
  std::string script = d / "t.py";
  FILE* f = std::fopen(script.c_str(), "w");
  ASSERT_NE(f, nullptr);
  std::fputs((code + "import os, subprocess\n"
                     "out = subprocess.run(['env'], capture_output=True).stdout\n"
                     "print(b'PB_GONE=' in out, os.environb[b'PB_ODD'] == b\"a'b\\\\c\\n\\xff\")\n")
                 .c_str(),
             f);
  std::fclose(f);
  std::string command = fmt::format("PB_GONE=1 PB_ODD=x python3 '{}'", script);
  FILE* p = ::popen(command.c_str(), "r");
  ASSERT_NE(p, nullptr);
  char line[64] = {};
  ASSERT_NE(std::fgets(line, sizeof line, p), nullptr);
  ::pclose(p);
  EXPECT_EQ(std::string(line), "False True\n");
}

}  // namespace
}  // namespace pybcast
