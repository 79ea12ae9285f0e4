// python-mpi: the drop-in launcher of python-mpi-bcast. Every argument goes
// to Python; configuration comes from the environment only
// (PYTHON_MPI_CHROOT, PYTHON_MPI_PKGROOT, PYTHON_MPI_PACKAGES, PYBCAST_*).
#include "cli/commands.h"
#include "cli/mpi_main.h"
#include "cli/stage_settings.h"
#include "launch/python_launcher.h"
#include "util/error.h"
#include "util/settings.h"
#include "util/timer.h"

int main(int argc, char** argv) {
  double started = pybcast::monotonic_seconds();
  pybcast::LaunchRequest request;
  try {
    pybcast::StageSettings settings = pybcast::resolve_stage_settings({});
    request.stage = settings.request;
    request.outputs = settings.outputs;
  } catch (const pybcast::Error& e) {
    pybcast::print_error(e.what());
    return pybcast::kExitUsage;
  }
  request.python_args.assign(argv + 1, argv + argc);
  request.abort_on_error = !pybcast::truthy(pybcast::setting(std::nullopt, {"PYBCAST_NO_ABORT"}, "0"));
  request.cleanup = pybcast::truthy(pybcast::setting(std::nullopt, {"PYBCAST_CLEANUP"}, "0"));
  request.keep_pythonhome = pybcast::keep_pythonhome_from_env();
  return pybcast::launch_main(argc, argv, request, started);
}
