#include <gtest/gtest.h>

#include "util/child_process.h"

namespace pybcast {
namespace {

TEST(ChildProcess, FindsPrograms) {
  EXPECT_EQ(find_program("sh", "/nonexistent:/bin"), "/bin/sh");
  EXPECT_EQ(find_program("no-such-program-here", "/bin:/usr/bin"), "");
  EXPECT_EQ(find_program("/bin/sh", ""), "/bin/sh");
  EXPECT_EQ(find_program("sh", ""), "");
}

TEST(ChildProcess, CollectsOutputAndStatus) {
  ChildResult r = run_child({"sh", "-c", "read x; echo out:$x; echo err >&2; exit 3"}, {"in", {}});
  EXPECT_EQ(r.status, 3);
  EXPECT_EQ(r.out, "out:in\n");
  EXPECT_EQ(r.err, "err\n");
  EXPECT_EQ(last_line("a\n\nlast\n\n"), "last");
}

}  // namespace
}  // namespace pybcast
