#include <gtest/gtest.h>

#include "cli/commands.h"

namespace pybcast {
namespace {

TEST(Commands, SuggestsTheClosestCommand) {
  EXPECT_NE(find_command("stage"), nullptr);
  EXPECT_EQ(find_command("stgae"), nullptr);
  EXPECT_EQ(suggest_command("stgae"), "stage");
  EXPECT_EQ(suggest_command("completely-different"), "");
}

}  // namespace
}  // namespace pybcast
