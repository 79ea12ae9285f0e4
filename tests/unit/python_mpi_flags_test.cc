#include "cli/python_mpi_flags.h"

#include <gtest/gtest.h>

namespace pybcast {
namespace {

using Args = std::vector<std::string>;

TEST(PythonMpiFlags, OnlyLeadingFlagsArePythonMpis) {
  Args args{"--audit", "--audit-json", "out.json", "script.py", "--audit"};
  PythonMpiFlags f = take_python_mpi_flags(args);
  EXPECT_TRUE(f.audit.audit);
  EXPECT_EQ(f.audit.json, "out.json");
  EXPECT_EQ(args, (Args{"script.py", "--audit"}));
  args = {"--audit-json=x.json", "-c", "pass"};
  EXPECT_EQ(take_python_mpi_flags(args).audit.json, "x.json");
  EXPECT_EQ(args, (Args{"-c", "pass"}));
  args = {"-c", "pass", "--audit", "--cleanup"};
  f = take_python_mpi_flags(args);
  EXPECT_FALSE(f.audit.audit || f.cleanup);
  EXPECT_EQ(args.size(), 4u);
}

TEST(PythonMpiFlags, AnyOrderOfTheDocumentedFlags) {
  Args args{"--cleanup", "--stage-script-dir", "--audit", "-c", "pass", "--cleanup"};
  PythonMpiFlags f = take_python_mpi_flags(args);
  EXPECT_TRUE(f.cleanup);
  EXPECT_TRUE(f.stage_script_dir);
  EXPECT_TRUE(f.audit.audit);
  EXPECT_EQ(args, (Args{"-c", "pass", "--cleanup"}));
  args = {"--stage-script-dir", "--audit-json", "a.json", "--cleanup", "s.py"};
  f = take_python_mpi_flags(args);
  EXPECT_TRUE(f.cleanup && f.stage_script_dir);
  EXPECT_EQ(f.audit.json, "a.json");
  EXPECT_EQ(args, (Args{"s.py"}));
}

TEST(PythonMpiFlags, AnAuditJsonWithoutItsFileIsPythons) {
  Args args{"--audit-json"};
  EXPECT_TRUE(take_python_mpi_flags(args).audit.json.empty());
  EXPECT_EQ(args, (Args{"--audit-json"}));
}

}  // namespace
}  // namespace pybcast
