#include <cstdint>

#include <gtest/gtest.h>

#include "util/error.h"
#include "util/units.h"

namespace pybcast {
namespace {

TEST(Units, FormatsAndParses) {
  EXPECT_EQ(format_bytes(512), "512 B");
  EXPECT_EQ(format_bytes(1536), "1.50 KiB");
  EXPECT_EQ(format_bytes(200.0 * (1 << 20)), "200 MiB");
  EXPECT_EQ(format_seconds(0.0123), "12.3 ms");
  EXPECT_EQ(format_seconds(75), "1m15s");
  EXPECT_EQ(parse_size("4M"), 4u << 20);
  EXPECT_EQ(parse_size("512k"), 512u << 10);
  EXPECT_EQ(parse_size("1GiB"), 1u << 30);
  EXPECT_EQ(parse_size("65536"), 65536u);
  EXPECT_THROW(parse_size("four"), Error);
  EXPECT_THROW(parse_size("4X"), Error);
  // Too large for 64 bits: an Error, not an uncaught exception or a wrapped value.
  EXPECT_EQ(parse_size("18446744073709551615"), UINT64_MAX);
  EXPECT_THROW(parse_size("18446744073709551616"), Error);
  EXPECT_THROW(parse_size("99999999999999999999"), Error);
}

TEST(Units, CountsAreDecimalDigitsAlone) {
  EXPECT_EQ(parse_count("0"), 0u);
  EXPECT_EQ(parse_count("16"), 16u);
  EXPECT_EQ(parse_count("18446744073709551615"), UINT64_MAX);
  for (const char* junk : {"", "-1", "+2", " 2", "2 ", "4k", "two", "18446744073709551616"})
    EXPECT_EQ(parse_count(junk), std::nullopt) << junk;
  EXPECT_THROW(parse_size("17179869185G"), Error);  // wrapped to 1 GiB before
  EXPECT_EQ(parse_size("17179869183G"), uint64_t{17179869183} << 30);
}

}  // namespace
}  // namespace pybcast
