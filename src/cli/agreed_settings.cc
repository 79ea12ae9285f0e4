#include "cli/agreed_settings.h"

#include <climits>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "bcast/agreement.h"
#include "cli/settings_table.h"
#include "util/diagnostics.h"

namespace pybcast {

namespace {

using nlohmann::json;

/// Rank 0's settings, on every rank; a warning on rank 0 if any rank's differ.
json agree(MPI_Comm world, const json& mine) {
  int rank = 0;
  MPI_Comm_rank(world, &rank);
  std::string text = mine.dump();
  std::string chosen = bcast_string(world, 0, rank == 0 ? text : std::string());
  int first = allreduce_min(world, text != chosen ? rank : INT_MAX);
  if (first != INT_MAX) {
    json theirs = json::parse(bcast_string(world, first, rank == first ? text : std::string()));
    if (rank == 0) {
      std::vector<std::string> keys = differing_settings(mine, theirs);
      diag::warning("settings differ between ranks (first: rank {}, in {}); every rank uses rank 0's", first,
                    fmt::join(keys, ", "));
    }
  }
  return json::parse(chosen);
}

}  // namespace

/// Keys are the names users set (cli/settings_table), so that the warning speaks their language.
LaunchRequest agree_launch_request(MPI_Comm world, const std::function<LaunchRequest()>& resolve) {
  LaunchRequest mine;
  run_agreed(world, [&] { mine = resolve(); });
  constexpr unsigned kScope = kForRun | kForPythonMpi;
  LaunchRequest request = mine;
  decode_agreed(agree(world, encode_agreed(mine, kScope)), kScope, request);
  return request;
}

StageSettings agree_stage_settings(MPI_Comm world, const std::function<StageSettings()>& resolve) {
  LaunchRequest mine;
  run_agreed(world, [&] {
    StageSettings resolved = resolve();
    mine.stage = resolved.request;
    mine.outputs = resolved.outputs;
  });
  LaunchRequest agreed = mine;
  decode_agreed(agree(world, encode_agreed(mine, kForStage)), kForStage, agreed);
  return {agreed.stage, agreed.outputs};
}

}  // namespace pybcast
