#include "cli/audit_options.h"

#include <cstdlib>

#include <gtest/gtest.h>

namespace pybcast {
namespace {

TEST(AuditOptions, OnlyLeadingAuditArgumentsArePythonMpis) {
  std::vector<std::string> args{"--audit", "--audit-json", "out.json", "script.py", "--audit"};
  AuditOptions o = take_leading_audit_args(args);
  EXPECT_TRUE(o.audit);
  EXPECT_EQ(o.json, "out.json");
  EXPECT_EQ(args, (std::vector<std::string>{"script.py", "--audit"}));
  args = {"--audit-json=x.json", "-c", "pass"};
  EXPECT_EQ(take_leading_audit_args(args).json, "x.json");
  EXPECT_EQ(args, (std::vector<std::string>{"-c", "pass"}));
  args = {"-c", "pass", "--audit"};
  EXPECT_FALSE(take_leading_audit_args(args).audit);
  EXPECT_EQ(args.size(), 3u);
}

TEST(AuditOptions, TheEnvironmentTurnsItOnAndAJsonFileImpliesIt) {
  unsetenv("PYBCAST_AUDIT");
  unsetenv("PYBCAST_AUDIT_JSON");
  EXPECT_FALSE(resolve_audit_options({}).audit);
  setenv("PYBCAST_AUDIT", "1", 1);
  EXPECT_TRUE(resolve_audit_options({}).audit);
  unsetenv("PYBCAST_AUDIT");
  AuditOptions o = resolve_audit_options({false, "/tmp/a/../audit.json"});
  EXPECT_TRUE(o.audit);
  EXPECT_EQ(o.json, "/tmp/audit.json");
  setenv("PYBCAST_AUDIT_JSON", "/tmp/env.json", 1);
  EXPECT_EQ(resolve_audit_options({}).json, "/tmp/env.json");
  unsetenv("PYBCAST_AUDIT_JSON");
}

}  // namespace
}  // namespace pybcast
