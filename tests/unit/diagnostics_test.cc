#include "util/diagnostics.h"

#include <gtest/gtest.h>

#include <string>

namespace pybcast {
namespace {

/// Sets the program's name for one test and gives the default back.
class ProgramName {
 public:
  explicit ProgramName(std::string_view name) { diag::set_program(name); }
  ~ProgramName() { diag::set_program("pybcast"); }
  ProgramName(const ProgramName&) = delete;
  ProgramName& operator=(const ProgramName&) = delete;
};

TEST(Diagnostics, EachLevelHasOneShapeNamingTheProgram) {
  EXPECT_EQ(diag::program(), "pybcast");
  EXPECT_EQ(diag::format_line(diag::Level::kError, "bad input"), "pybcast: error: bad input\n");
  EXPECT_EQ(diag::format_line(diag::Level::kWarning, "slow"), "pybcast: warning: slow\n");
  EXPECT_EQ(diag::format_line(diag::Level::kNote, "wrote x.tar.zst"), "pybcast: wrote x.tar.zst\n");
  EXPECT_EQ(diag::format_line(diag::Level::kDetail, "a.py: content differs"), "  a.py: content differs\n");
  ProgramName python_mpi("python-mpi");
  EXPECT_EQ(diag::format_line(diag::Level::kError, "bad input"), "python-mpi: error: bad input\n");
  EXPECT_EQ(diag::format_line(diag::Level::kWarning, "slow"), "python-mpi: warning: slow\n");
}

TEST(Diagnostics, UserTextCannotMoveTheCursorOrForgeALine) {
  std::string line = diag::format_line(diag::Level::kWarning, "bundle 'evil\x1b[2J\nfake: error: x\r'");
  EXPECT_EQ(line, "pybcast: warning: bundle 'evil\\x1b[2J\\x0afake: error: x\\x0d'\n");
}

TEST(Diagnostics, WritesWholeLinesToStderr) {
  ProgramName python_mpi("python-mpi");
  ::testing::internal::CaptureStderr();
  diag::error("cannot open {}: {}", "a\tb", "No such file or directory");
  diag::warning("kept");
  diag::note("rank {} exited with status {}", 5, 3);
  diag::write_raw("screen line\x1b[K\n");
  EXPECT_EQ(::testing::internal::GetCapturedStderr(),
            "python-mpi: error: cannot open a\\x09b: No such file or directory\n"
            "python-mpi: warning: kept\n"
            "python-mpi: rank 5 exited with status 3\n"
            "screen line\x1b[K\n");
}

}  // namespace
}  // namespace pybcast
