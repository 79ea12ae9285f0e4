#include "util/text.h"

#include <gtest/gtest.h>

namespace pybcast {
namespace {

TEST(Text, EscapesControlCharactersOnly) {
  EXPECT_EQ(escape_control("plain/päth name"), "plain/päth name");
  EXPECT_EQ(escape_control(std::string("a\nb\x7f\0c", 6)), "a\\x0ab\\x7f\\x00c");
}

}  // namespace
}  // namespace pybcast
