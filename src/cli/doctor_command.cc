// `pybcast doctor`: which of the places a Python start-up reads from sit on a
// shared/slow file system, and what to change (the seed's manual checks:
// where PATH, LD_LIBRARY_PATH, PYTHONPATH, PYTHONUSERBASE point; run from
// scratch; avoid ~/.local). Runs on one node, no MPI.
#include <optional>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/exit_status.h"
#include "cli/stage_settings.h"
#include "doctor/doctor_report.h"
#include "doctor/examination.h"
#include "util/error.h"

namespace pybcast {

namespace {

constexpr const char* kDescription =
    "Check where a Python start-up reads from and say what to change.\n\n"
    "For every entry of PATH, LD_LIBRARY_PATH, PYTHONPATH, PYTHONUSERBASE and PYTHONHOME, the\n"
    "interpreter and every sys.path entry of the python it would run (asked by running it once),\n"
    "the working directory and the script (if given), it reports the file system type (statfs magic:\n"
    "lustre, gpfs, nfs, cifs, beegfs, ceph, fuse, tmpfs, ext4, xfs, ...) and whether it is shared: a\n"
    "network or parallel file system, where every metadata operation of every rank is a server round\n"
    "trip. For each shared location it says what to change: move PYTHONUSERBASE to scratch or\n"
    "node-local storage, pack directories into bundles (pybcast pack python|dist|dir|env) and start\n"
    "with python-mpi, run from scratch or node-local storage.\n\n"
    "Runtime caches (TRITON_CACHE_DIR, TORCHINDUCTOR_CACHE_DIR, NUMBA_CACHE_DIR, CUPY_CACHE_DIR,\n"
    "MPLCONFIGDIR, XDG_CACHE_HOME) are checked where they are set, and where unset when their\n"
    "default under $HOME is shared: python-mpi points them at node-local storage.\n";

constexpr const char* kFooter =
    "--measure counts with `strace -f -e trace=%file,%stat` when strace is on PATH; otherwise it\n"
    "prints an estimate from the modules the code loaded, labelled ESTIMATE (JSON: method \"estimate\").\n\n"
    "Exit status: 0 when nothing checked (and no measured operation) is on a shared file system,\n"
    "1 when something is (the advice says what to change), 2 on usage errors (including a --python\n"
    "that does not run, or a --script that does not exist).\n"
    "The --json schema is documented in docs/doctor.md.\n\n"
    "Examples:\n"
    "  pybcast doctor\n"
    "  pybcast doctor --python /usr/bin/python3 --script job.py\n"
    "  pybcast doctor --measure 'import numpy' --json";

}  // namespace

int run_doctor(int argc, char** argv) {
  CLI::App app(kDescription, "pybcast doctor");
  std::string python = "python3";
  std::optional<std::string> script, measure;
  bool json = false;
  auto* python_option = app.add_option("--python", python,
                                       "the python to ask for its sys.path (run once with -c) and to --measure\n"
                                       "(default: python3 on PATH)")
                            ->option_text("PATH");
  app.add_option("--script", script, "the script the job runs: it is checked too (its directory is sys.path[0])")
      ->option_text("FILE");
  app.add_flag("--json", json, "print JSON (schema: docs/doctor.md) instead of the table");
  app.add_option("--measure", measure,
                 "run the python once as `python -c CODE` (e.g. 'import numpy') and count its file\n"
                 "metadata operations per file system")
      ->option_text("CODE");
  std::optional<std::string> chroot;
  add_chroot_flag(app, chroot);
  app.footer(kFooter);
  if (auto status = parse_command_line(app, argc, argv)) return *status;
  return run_reporting_errors(
      [&] {
        DoctorRequest request;
        request.python = python;
        request.python_required = python_option->count() > 0;
        request.script = script;
        request.measure = measure;
        request.chroot = resolve_chroot(chroot);
        DoctorReport report = examine(request);
        if (json) fmt::print("{}\n", doctor_json(report).dump(2));
        else fmt::print("{}", format_doctor_table(report));
        return anything_shared(report) || any_cache_damage(report) ? kExitDoctorFoundShared : kExitOk;
      },
      kExitUsage);  // what doctor cannot check as asked is a usage error (exit_status.h)
}

}  // namespace pybcast
