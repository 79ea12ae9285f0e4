#include "util/test_seams.h"

#include <cstdlib>
#include <string>

#include "util/units.h"

namespace pybcast::test_seams {

namespace {

std::optional<uint64_t> number_from(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') return std::nullopt;
  return parse_count(value);  // junk: the seam stays off
}

}  // namespace

uint64_t read_delay_ms() {
  static const uint64_t delay = number_from("PYBCAST_TEST_READ_DELAY_MS").value_or(0);
  return delay;
}

std::optional<uint64_t> enospc_after() {
  static const std::optional<uint64_t> limit = number_from("PYBCAST_TEST_ENOSPC_AFTER");
  return limit;
}

bool skip_manifest_check() {
  static const bool skip = number_from("PYBCAST_TEST_SKIP_MANIFEST_CHECK").value_or(0) != 0;
  return skip;
}

}  // namespace pybcast::test_seams
