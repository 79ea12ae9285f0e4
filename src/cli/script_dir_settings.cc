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
  std::optional<uint64_t> max_entries = parse_count(entries);
  if (!max_entries) fail("PYBCAST_STAGE_SCRIPT_DIR_MAX_ENTRIES='{}' is not a number of entries", entries);
  std::string bytes = setting(std::nullopt, {"PYBCAST_STAGE_SCRIPT_DIR_MAX_BYTES"}, kScriptDirMaxBytes);
  uint64_t max_bytes = 0;
  try {
    max_bytes = parse_size(bytes);
  } catch (const Error& e) {
    throw e.with_context("PYBCAST_STAGE_SCRIPT_DIR_MAX_BYTES");
  }
  request.script_dir = script_dir_options(*max_entries, max_bytes);
}

}  // namespace pybcast
