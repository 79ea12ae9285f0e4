#include "launch/script_dir.h"

#include <filesystem>

#include <fmt/format.h>

#include "util/diagnostics.h"
#include "util/error.h"
#include "util/units.h"

namespace pybcast {

LiveTreeOptions script_dir_options(uint64_t max_entries, uint64_t max_bytes) {
  LiveTreeOptions o;
  o.excludes = false;
  o.max_entries = max_entries;
  o.max_bytes = max_bytes;
  o.what = "the script's directory";
  o.raise_hint = fmt::format(
      "keep the script in a directory of its own, or raise PYBCAST_STAGE_SCRIPT_DIR_MAX_ENTRIES (now {}) / "
      "PYBCAST_STAGE_SCRIPT_DIR_MAX_BYTES (now {})",
      max_entries, format_bytes(static_cast<double>(max_bytes)));
  return o;
}

std::optional<ScriptDirStage> stage_script_directory(MPI_Comm world, const StageRequest& stage,
                                                     const LiveTreeOptions& limits,
                                                     std::vector<std::string>& python_args) {
  int rank = 0;
  MPI_Comm_rank(world, &rank);
  if (python_args.empty() || python_args[0].empty() || python_args[0][0] == '-') {
    if (rank == 0) diag::warning("--stage-script-dir: no script to run (-c, -m or stdin): nothing staged for it");
    return std::nullopt;
  }
  namespace fs = std::filesystem;
  fs::path script = fs::absolute(python_args[0]).lexically_normal();
  StageRequest request = stage;
  request.bundles = {script.parent_path().string()};
  request.pkgroot = "/";
  request.trees = limits;
  request.want_report = false;
  request.cache_max.reset();  // trimming is the environment's stage's business
  ScriptDirStage staged{stage_bundles(world, request), request.bundles[0]};
  python_args[0] = (fs::path(staged.outcome.prefix) / script.filename()).string();
  return staged;
}

}  // namespace pybcast
