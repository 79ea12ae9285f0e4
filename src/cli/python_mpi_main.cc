// python-mpi: the drop-in launcher of python-mpi-bcast. Every argument goes
// to Python but leading --audit / --audit-json FILE / --stage-script-dir /
// --cleanup / --caches A:B / --save-caches FILE (python-mpi's own, cli/python_mpi_flags.h);
// configuration comes from the environment only
// (PYTHON_MPI_CHROOT, PYTHON_MPI_PKGROOT, PYTHON_MPI_PACKAGES, PYBCAST_*).
#include "cli/audit_options.h"
#include "cli/commands.h"
#include "cli/launch_settings.h"
#include "cli/mpi_main.h"
#include "cli/python_mpi_flags.h"
#include "util/diagnostics.h"
#include "util/timer.h"

int main(int argc, char** argv) {
  double started = pybcast::monotonic_seconds();
  pybcast::diag::set_program("python-mpi");
  std::vector<std::string> python_args(argv + 1, argv + argc);
  pybcast::PythonMpiFlags flags = pybcast::take_python_mpi_flags(python_args);
  pybcast::AuditOptions audit = pybcast::resolve_audit_options(flags.audit);
  if (auto status = pybcast::start_audit(audit, argv)) return *status;
  return pybcast::launch_main(
      argc, argv,
      [&] {
        pybcast::LaunchFlags launch{{}, python_args};
        launch.settings.set_switch(pybcast::SettingId::kCleanup, flags.cleanup);
        launch.settings.set_switch(pybcast::SettingId::kStageScriptDir, flags.stage_script_dir);
        launch.settings.set_switch(pybcast::SettingId::kAudit, audit.audit);
        if (!audit.json.empty()) launch.settings.set(pybcast::SettingId::kAuditJson, audit.json);
        if (flags.caches) launch.settings.set(pybcast::SettingId::kCaches, *flags.caches);
        if (flags.save_caches) launch.settings.set(pybcast::SettingId::kSaveCaches, *flags.save_caches);
        return pybcast::resolve_launch_request(launch);
      },
      started);
}
