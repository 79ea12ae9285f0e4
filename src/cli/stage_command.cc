// `pybcast stage [BUNDLE...]`: stage bundles on every node and print the prefix
// (or, with --print-env, the environment for a later `python` step).
#include <mpi.h>

#include <cstdio>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "bcast/agreement.h"
#include "cli/agreed_settings.h"
#include "cli/commands.h"
#include "cli/mpi_main.h"
#include "cli/stage_settings.h"
#include "launch/prepared_python.h"
#include "util/diagnostics.h"
#include "util/error.h"

namespace pybcast {

namespace {

/// The two-step workflow: the environment that makes a later plain `python3`
/// (under srun/mpirun) run from the staged prefix with one agreed hash seed;
/// for bundles without a Python, PATH and LD_LIBRARY_PATH of the prefix.
LaunchEnvironment environment_for_later(const StageOutcome& outcome, const StageRequest& request,
                                        const std::string& seed) {
  LaunchEnvironment env = environment_for_later_step(outcome, {request.chroot, seed, "", keep_pythonhome_from_env()});
  for (const auto& notice : env.notices) diag::warning(notice);
  for (const auto& warning : env.warnings) diag::warning(warning);
  return env;
}

}  // namespace

int run_stage(int argc, char** argv) {
  CLI::App app(
      "Stage bundles from the shared file system into node-local storage, once per node.\n"
      "Run under MPI: rank 0 reads each bundle once, node leaders extract.",
      "pybcast stage");
  SettingFlags flags;
  bool print_env = false;
  app.add_option("bundles", flags.bundles,
                 "bundle files, in merge order (relative to the package root); a directory is staged as it is");
  add_stage_flags(app, flags);
  app.add_flag("--print-env", print_env,
               "print `export` lines for running the staged python in a later step (eval them);\n"
               "bundles without a Python get PYBCAST_PREFIX, PATH and LD_LIBRARY_PATH only\n"
               "[env PYBCAST_KEEP_PYTHONHOME=1 keeps a PYTHONHOME outside the stage]");
  if (auto status = parse_command_line(app, argc, argv)) return *status;
  return run_under_mpi(argc, argv, MPI_THREAD_FUNNELED, [&] {
    MPI_Comm world = MPI_COMM_WORLD;
    StageSettings settings = agree_stage_settings(world, [&] { return resolve_stage_settings(flags); });
    StageOutcome outcome = stage_bundles(world, settings.request);
    int rank = 0;
    MPI_Comm_rank(world, &rank);
    LaunchEnvironment env;
    if (print_env) {
      std::string seed = agree_hash_seed(world);
      run_agreed(world, [&] {
        // Every node's runtime cache directories, for the later step's ranks.
        if (holds_python(outcome.prefix)) prepare_node_caches(outcome);
        if (rank == 0) env = environment_for_later(outcome, settings.request, seed);
      });
    }
    run_agreed(world, [&] {
      if (rank != 0) return;
      if (print_env) add_environment_to_report(env, outcome.context);  // --report: what was mapped and redirected
      fmt::print("{}", print_env ? format_exports(env) : outcome.prefix + "\n");
      std::fflush(stdout);
      write_report_and_trace(settings.outputs, outcome.context, outcome.samples);
    });
    return 0;
  });
}

}  // namespace pybcast
