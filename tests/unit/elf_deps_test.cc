#include "util/elf_deps.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include <gtest/gtest.h>

#include "test_dir.h"
#include "util/settings.h"

namespace pybcast {
namespace {

TEST(ElfDeps, ReadsNeededLibrariesOfThisTest) {
  auto dyn = read_elf_dynamic("/proc/self/exe");
  ASSERT_TRUE(dyn.has_value());
  bool libc = false;
  for (const auto& n : dyn->needed) libc |= n.starts_with("libc.so");
  EXPECT_TRUE(libc);
}

TEST(ElfDeps, NotElfIsNotAnError) {
  testing::TestDir d;
  std::ofstream(d / "script") << "#!/bin/sh\nexit 0\n";
  std::ofstream(d / "short") << "\x7f"
                                "EL";
  EXPECT_FALSE(read_elf_dynamic(d / "script").has_value());
  EXPECT_FALSE(read_elf_dynamic(d / "short").has_value());
}

// A FIFO (a file replaced since a walk listed it) is not ELF, and opening it
// must not wait for a writer. Run in a child that SIGALRM ends after 5 s.
TEST(ElfDepsDeathTest, AFifoIsNotElfAndDoesNotBlock) {
  testing::TestDir d;
  ASSERT_EQ(mkfifo((d / "lib.so").c_str(), 0644), 0);
  EXPECT_EXIT(
      {
        alarm(5);
        std::_Exit(read_elf_dynamic(d / "lib.so").has_value() ? 1 : 0);
      },
      ::testing::ExitedWithCode(0), "");
}

TEST(ElfDeps, SplitsSearchPaths) {
  EXPECT_EQ(split_list("$ORIGIN/../lib::/opt/x:"), (std::vector<std::string>{"$ORIGIN/../lib", "/opt/x"}));
}

}  // namespace
}  // namespace pybcast
