#include "cli/audit_options.h"

#include <cstdlib>

#include <gtest/gtest.h>

namespace pybcast {
namespace {

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
