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
  SettingFlags flags;
  add_setting_flags(app, flags, kForRun);
  app.prefix_command();
  if (auto status = parse_command_line(app, argc, argv)) return *status;
  std::vector<std::string> python_args = app.remaining();
  if (!python_args.empty() && python_args[0] == "--") python_args.erase(python_args.begin());
  AuditOptions audit = resolve_audit_options(
      {flags.given(SettingId::kAudit).has_value(), flags.given(SettingId::kAuditJson).value_or("")});
  // argv is main()'s + 1 (the command table passes the command name as argv[0]).
  if (auto status = start_audit(audit, argv - 1)) return *status;
  return launch_main(
      argc, argv,
      [&] {
        return resolve_launch_request({flags, python_args});
      },
      started);
}

}  // namespace pybcast
