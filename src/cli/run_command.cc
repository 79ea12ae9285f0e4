// `pybcast run [options] [--] python-args...` and the python-mpi binary:
// stage, then run Python in-process with MPI initialized.
#include <mpi.h>

#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "cli/mpi_main.h"
#include "cli/stage_settings.h"
#include "launch/python_launcher.h"
#include "util/error.h"
#include "util/settings.h"
#include "util/timer.h"

namespace pybcast {

int launch_main(int argc, char** argv, LaunchRequest request, double started) {
  return run_under_mpi(argc, argv, MPI_THREAD_MULTIPLE, [&] { return launch_python(request, started); });
}

int run_run(int argc, char** argv) {
  double started = monotonic_seconds();
  CLI::App app(
      "Stage the bundles, then run Python in this process with MPI initialized (what python-mpi does).\n"
      "Everything after the options (or after --) goes to Python: script.py args, -c CODE, -m MODULE.",
      "pybcast run");
  StageFlags flags;
  bool keep_going = false;
  add_stage_flags(app, flags);
  app.add_flag("--no-abort-on-error", keep_going,
               "do not MPI_Abort when a rank's Python fails [env PYBCAST_NO_ABORT=1]");
  bool cleanup = false;
  app.add_flag("--cleanup", cleanup, "remove the node-local cache entry when the job ends [env PYBCAST_CLEANUP=1]");
  bool keep_pythonhome = false;
  app.add_flag("--keep-pythonhome", keep_pythonhome,
               "keep a PYTHONHOME (and PYTHONPATH) that points outside the staged copy, with a warning\n"
               "[env PYBCAST_KEEP_PYTHONHOME=1]");
  app.prefix_command();
  if (auto status = parse_command_line(app, argc, argv)) return *status;
  LaunchRequest request;
  try {
    StageSettings settings = resolve_stage_settings(flags);
    request.stage = settings.request;
    request.outputs = settings.outputs;
  } catch (const Error& e) {
    print_error(e.what());
    return kExitUsage;
  }
  request.python_args = app.remaining();
  if (!request.python_args.empty() && request.python_args[0] == "--")
    request.python_args.erase(request.python_args.begin());
  request.abort_on_error = !keep_going && !truthy(setting(std::nullopt, {"PYBCAST_NO_ABORT"}, "0"));
  request.cleanup = cleanup || truthy(setting(std::nullopt, {"PYBCAST_CLEANUP"}, "0"));
  request.keep_pythonhome = keep_pythonhome || keep_pythonhome_from_env();
  return launch_main(argc, argv, request, started);
}

}  // namespace pybcast
