// `pybcast run [options] [--] python-args...` and the python-mpi binary:
// stage, then run Python in-process with MPI initialized.
#include <mpi.h>

#include <CLI/CLI.hpp>

#include "cli/agreed_settings.h"
#include "cli/audit_options.h"
#include "cli/commands.h"
#include "cli/launch_settings.h"
#include "cli/mpi_main.h"
#include "cli/stage_settings.h"
#include "launch/python_launcher.h"
#include "util/timer.h"

namespace pybcast {

int launch_main(int argc, char** argv, const std::function<LaunchRequest()>& resolve, double started) {
  return run_under_mpi(argc, argv, MPI_THREAD_MULTIPLE, [&] {
    LaunchRequest request = agree_launch_request(MPI_COMM_WORLD, resolve);
    return launch_python(request, started);
  });
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
  AuditOptions audit_flags;
  app.add_flag("--audit", audit_flags.audit,
               "count every rank's file-system operations off the node; rank 0 prints them at exit\n"
               "[env PYBCAST_AUDIT=1]");
  app.add_option("--audit-json", audit_flags.json,
                 "also write them as JSON (docs/audit.md); implies --audit\n"
                 "[env PYBCAST_AUDIT_JSON]");
  bool stage_script_dir = false;
  app.add_flag("--stage-script-dir", stage_script_dir,
               "stage the script's own directory too and run the script from its node-local copy\n"
               "[env PYBCAST_STAGE_SCRIPT_DIR=1; limits PYBCAST_STAGE_SCRIPT_DIR_MAX_ENTRIES (10000),\n"
               "PYBCAST_STAGE_SCRIPT_DIR_MAX_BYTES (1G)]");
  app.prefix_command();
  if (auto status = parse_command_line(app, argc, argv)) return *status;
  std::vector<std::string> python_args = app.remaining();
  if (!python_args.empty() && python_args[0] == "--") python_args.erase(python_args.begin());
  AuditOptions audit = resolve_audit_options(audit_flags);
  // argv is main()'s + 1 (the command table passes the command name as argv[0]).
  if (auto status = start_audit(audit, argv - 1)) return *status;
  return launch_main(
      argc, argv,
      [&] {
        return resolve_launch_request(
            {flags, python_args, audit, keep_going, cleanup, keep_pythonhome, stage_script_dir});
      },
      started);
}

}  // namespace pybcast
