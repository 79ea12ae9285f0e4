// `pybcast stage [BUNDLE...]`: stage bundles on every node and print the prefix
// (or, with --print-env, the environment for a later `python` step).
#include <mpi.h>

#include <cstdlib>
#include <fstream>
#include <random>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "bcast/agreement.h"
#include "cache/user_root.h"
#include "cli/commands.h"
#include "cli/mpi_main.h"
#include "cli/stage_settings.h"
#include "launch/python_env.h"
#include "util/error.h"

namespace pybcast {

namespace {

/// The two-step workflow: export lines that make a later plain `python3`
/// (under srun/mpirun) run from the staged prefix with one agreed hash seed.
std::string environment_for_later(const StageOutcome& outcome, const StageRequest& request) {
  PythonHomeRequest where{outcome.prefix, request.chroot, std::nullopt, outcome.bundle_names};
  if (const char* home = std::getenv("PYTHONHOME"); home && *home) where.user_home = home;
  StagedPython python = locate_staged_python(where);
  std::string seed = std::to_string(std::random_device{}());
  LaunchEnvironment env =
      python_environment({python, user_root_path(outcome.node_root) + "/pycache", seed, "", ::getenv});
  return format_exports(env) + fmt::format("export PYBCAST_PREFIX='{}'\n", outcome.prefix);
}

}  // namespace

int run_stage(int argc, char** argv) {
  CLI::App app("Stage bundles from the shared file system into node-local storage, once per node.\n"
               "Run under MPI: rank 0 reads each bundle once, node leaders extract.",
               "pybcast stage");
  StageFlags flags;
  bool print_env = false;
  app.add_option("bundles", flags.bundles, "bundle files, in merge order (relative to the package root)");
  add_stage_flags(app, flags);
  app.add_flag("--print-env", print_env,
               "print `export` lines for running the staged python in a later step (eval them)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  StageSettings settings;
  try {
    settings = resolve_stage_settings(flags);
  } catch (const Error& e) {
    print_error(e.what());
    return 2;
  }
  return run_under_mpi(argc, argv, MPI_THREAD_FUNNELED, [&] {
    StageOutcome outcome = stage_bundles(MPI_COMM_WORLD, settings.request);
    int rank = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    std::string exports;
    if (print_env) {
      LocalStatus status;
      try {
        if (rank == 0) exports = environment_for_later(outcome, settings.request);
      } catch (const std::exception& e) {
        status.fail(e.what());
      }
      if (auto failure = agree_on_failure(MPI_COMM_WORLD, status.failed(), status.message())) throw Error(*failure);
    }
    if (rank != 0) return 0;
    fmt::print("{}", print_env ? exports : outcome.prefix + "\n");
    std::fflush(stdout);
    if (settings.report) fmt::print(stderr, "{}", format_report(outcome.context, outcome.samples));
    if (!settings.trace.empty()) {
      std::ofstream out(settings.trace);
      out << format_trace(outcome.samples);
      if (!out) fail("cannot write trace file {}", settings.trace);
    }
    return 0;
  });
}

}  // namespace pybcast
