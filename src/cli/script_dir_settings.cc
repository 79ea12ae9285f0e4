#include "cli/script_dir_settings.h"

#include <fmt/format.h>

#include "launch/script_dir.h"
#include "util/error.h"
#include "util/settings.h"
#include "util/units.h"

namespace pybcast {

void resolve_script_dir(bool flag, LaunchRequest& request) {
  request.stage_script_dir = flag || truthy(setting(std::nullopt, {"PYBCAST_STAGE_SCRIPT_DIR"}, "0"));
  std::string entries =
      setting(std::nullopt, {"PYBCAST_STAGE_SCRIPT_DIR_MAX_ENTRIES"}, std::to_string(kScriptDirMaxEntries));
  uint64_t max_entries = 0;
  try {
    size_t used = 0;
    max_entries = std::stoull(entries, &used);
    if (used != entries.size()) throw std::invalid_argument(entries);
  } catch (const std::exception&) {
    fail("PYBCAST_STAGE_SCRIPT_DIR_MAX_ENTRIES='{}' is not a number of entries", entries);
  }
  std::string bytes = setting(std::nullopt, {"PYBCAST_STAGE_SCRIPT_DIR_MAX_BYTES"}, kScriptDirMaxBytes);
  uint64_t max_bytes = 0;
  try {
    max_bytes = parse_size(bytes);
  } catch (const Error& e) {
    throw e.with_context("PYBCAST_STAGE_SCRIPT_DIR_MAX_BYTES");
  }
  request.script_dir = script_dir_options(max_entries, max_bytes);
}

}  // namespace pybcast
