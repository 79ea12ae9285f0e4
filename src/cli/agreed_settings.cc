#include "cli/agreed_settings.h"

#include <climits>
#include <cstdio>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "bcast/agreement.h"

namespace pybcast {

namespace {

using nlohmann::json;

// Keys are what users set, so that the warning speaks their language.
json encode(const StageRequest& r, const ReportOutputs& o) {
  return {{"PYTHON_MPI_CHROOT", r.chroot},
          {"PYTHON_MPI_PKGROOT", r.pkgroot},
          {"PYTHON_MPI_PACKAGES", r.bundles},
          {"PYBCAST_VIRTUAL_NODES", r.virtual_nodes},
          {"PYBCAST_CHUNK_SIZE", r.chunk_size},
          {"PYBCAST_EXTRACT_THREADS", r.extract_threads},
          {"--lock-timeout", r.lock_timeout},
          {"pipeline window", r.pipeline.window},
          {"pipeline checks", r.pipeline.check_every},
          {"PYBCAST_REPORT", o.report},
          {"PYBCAST_TRACE", o.trace},
          {"PYBCAST_VERIFY_CACHE", r.verify_cache},
          {"PYBCAST_CACHE_MAX", r.cache_max ? json(*r.cache_max) : json(nullptr)}};
}

void decode(const json& j, StageRequest& r, ReportOutputs& o) {
  r.chroot = j.at("PYTHON_MPI_CHROOT").get<std::string>();
  r.pkgroot = j.at("PYTHON_MPI_PKGROOT").get<std::string>();
  r.bundles = j.at("PYTHON_MPI_PACKAGES").get<std::vector<std::string>>();
  r.virtual_nodes = j.at("PYBCAST_VIRTUAL_NODES").get<int>();
  r.chunk_size = j.at("PYBCAST_CHUNK_SIZE").get<uint64_t>();
  r.extract_threads = j.at("PYBCAST_EXTRACT_THREADS").get<unsigned>();
  r.lock_timeout = j.at("--lock-timeout").get<double>();
  r.verify_cache = j.at("PYBCAST_VERIFY_CACHE").get<bool>();
  r.cache_max.reset();
  if (!j.at("PYBCAST_CACHE_MAX").is_null()) r.cache_max = j.at("PYBCAST_CACHE_MAX").get<uint64_t>();
  r.pipeline.window = j.at("pipeline window").get<size_t>();
  r.pipeline.check_every = j.at("pipeline checks").get<size_t>();
  o.report = j.at("PYBCAST_REPORT").get<bool>();
  o.trace = j.at("PYBCAST_TRACE").get<std::string>();
  r.want_report = o.report || !o.trace.empty();
}

/// Rank 0's settings, on every rank; a warning on rank 0 if any rank's differ.
json agree(MPI_Comm world, const json& mine, const char* program) {
  int rank = 0;
  MPI_Comm_rank(world, &rank);
  std::string text = mine.dump();
  std::string chosen = bcast_string(world, 0, rank == 0 ? text : std::string());
  int first = allreduce_min(world, text != chosen ? rank : INT_MAX);
  if (first != INT_MAX) {
    json theirs = json::parse(bcast_string(world, first, rank == first ? text : std::string()));
    if (rank == 0) {
      std::vector<std::string> keys;
      for (const auto& [key, value] : mine.items())
        if (!theirs.contains(key) || theirs.at(key) != value) keys.push_back(key);
      fmt::print(stderr,
                 "{}: warning: settings differ between ranks (first: rank {}, in {}); every rank uses rank 0's\n",
                 program, first, fmt::join(keys, ", "));
      std::fflush(stderr);
    }
  }
  return json::parse(chosen);
}

}  // namespace

LaunchRequest agree_launch_request(MPI_Comm world, const std::function<LaunchRequest()>& resolve) {
  LaunchRequest mine;
  run_agreed(world, [&] { mine = resolve(); });
  json j = encode(mine.stage, mine.outputs);
  j["PYBCAST_NO_ABORT"] = !mine.abort_on_error;
  j["PYBCAST_CLEANUP"] = mine.cleanup;
  j["PYBCAST_KEEP_PYTHONHOME"] = mine.keep_pythonhome;
  j["PYBCAST_AUDIT"] = mine.audit;  // chooses the reduction at exit
  j["PYBCAST_AUDIT_JSON"] = mine.audit_json;
  j["PYBCAST_STAGE_SCRIPT_DIR"] = mine.stage_script_dir;  // a second staging: every rank or none
  json chosen = agree(world, j, "python-mpi");
  LaunchRequest request = mine;
  decode(chosen, request.stage, request.outputs);
  request.abort_on_error = !chosen.at("PYBCAST_NO_ABORT").get<bool>();
  request.cleanup = chosen.at("PYBCAST_CLEANUP").get<bool>();
  request.keep_pythonhome = chosen.at("PYBCAST_KEEP_PYTHONHOME").get<bool>();
  request.audit = chosen.at("PYBCAST_AUDIT").get<bool>();
  request.audit_json = chosen.at("PYBCAST_AUDIT_JSON").get<std::string>();
  request.stage_script_dir = chosen.at("PYBCAST_STAGE_SCRIPT_DIR").get<bool>();
  return request;
}

StageSettings agree_stage_settings(MPI_Comm world, const std::function<StageSettings()>& resolve) {
  StageSettings mine;
  run_agreed(world, [&] { mine = resolve(); });
  StageSettings settings = mine;
  decode(agree(world, encode(mine.request, mine.outputs), "pybcast"), settings.request, settings.outputs);
  return settings;
}

}  // namespace pybcast
