// python-mpi: the drop-in launcher of python-mpi-bcast. Every argument goes
// to Python but leading --audit / --audit-json FILE / --stage-script-dir /
// --cleanup (python-mpi's own, cli/python_mpi_flags.h);
// configuration comes from the environment only
// (PYTHON_MPI_CHROOT, PYTHON_MPI_PKGROOT, PYTHON_MPI_PACKAGES, PYBCAST_*).
#include "cli/audit_options.h"
#include "cli/commands.h"
#include "cli/mpi_main.h"
#include "cli/python_mpi_flags.h"
#include "cli/script_dir_settings.h"
#include "cli/stage_settings.h"
#include "launch/python_launcher.h"
#include "util/error.h"
#include "util/settings.h"
#include "util/timer.h"

int main(int argc, char** argv) {
  double started = pybcast::monotonic_seconds();
  std::vector<std::string> python_args(argv + 1, argv + argc);
  pybcast::PythonMpiFlags flags = pybcast::take_python_mpi_flags(python_args);
  pybcast::AuditOptions audit = pybcast::resolve_audit_options(flags.audit);
  if (auto status = pybcast::start_audit(audit, argv)) return *status;
  return pybcast::launch_main(
      argc, argv,
      [&] {
        pybcast::LaunchRequest request;
        pybcast::StageSettings settings = pybcast::resolve_stage_settings({});
        request.stage = settings.request;
        request.outputs = settings.outputs;
        request.python_args = python_args;
        request.abort_on_error = !pybcast::truthy(pybcast::setting(std::nullopt, {"PYBCAST_NO_ABORT"}, "0"));
        request.cleanup = flags.cleanup || pybcast::truthy(pybcast::setting(std::nullopt, {"PYBCAST_CLEANUP"}, "0"));
        request.keep_pythonhome = pybcast::keep_pythonhome_from_env();
        request.audit = audit.audit;
        request.audit_json = audit.json;
        pybcast::resolve_script_dir(flags.stage_script_dir, request);
        return request;
      },
      started);
}
