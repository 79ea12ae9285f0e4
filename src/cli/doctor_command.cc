// `pybcast doctor`: which of the places a Python start-up reads from sit on a
// shared/slow file system, and what to change (the seed's manual checks:
// where PATH, LD_LIBRARY_PATH, PYTHONPATH, PYTHONUSERBASE point; run from
// scratch; avoid ~/.local). Runs on one node, no MPI.
#include <cstdlib>
#include <filesystem>
#include <optional>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cache/stage_cache.h"
#include "cache/user_root.h"
#include "cli/commands.h"
#include "cli/exit_status.h"
#include "cli/stage_settings.h"
#include "doctor/doctor_report.h"
#include "doctor/logind.h"
#include "doctor/package_dirs.h"
#include "launch/mpi_abi.h"
#include "stage/entry_check.h"
#include "util/child_process.h"
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

/// This user's published entries on this node, each re-hashed against the
/// manifests staged in it. Only looks: creates nothing where nothing was staged.
std::vector<CacheEntryCheck> check_cache_entries(const std::string& chroot) {
  std::vector<CacheEntryCheck> checks;
  for (const auto& where : existing_user_roots(chroot)) {
    std::string root = layout::user_root(where);
    std::error_code ec;
    if (!std::filesystem::is_directory(root + "/" + layout::kCacheDir, ec)) continue;
    StageCache cache(open_user_root(where));
    for (const auto& key : cache.list_entries()) {
      CacheEntryCheck check;
      check.path = cache.entry_path(key);
      try {
        io::Fd entry = cache.open_entry(key);
        if (!entry.valid()) continue;
        io::Fd mirror = cache.open_bytecode_mirror(key);
        ContentCheck content = check_staged_entry(entry.get(), mirror.get(), check.path);
        check.files = content.files;
        check.differing = content.problem_count;
        check.problems = content.problems;
        check.unverifiable = content.unverifiable;
      } catch (const Error& e) {
        check.error = e.what();
      }
      checks.push_back(std::move(check));
    }
  }
  return checks;
}

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
        std::error_code ec;
        if (script && !std::filesystem::exists(*script, ec)) fail("--script {}: no such file", *script);
        std::string cwd = std::filesystem::current_path().string();
        DoctorReport report;
        report.python = ask_python(python);
        if (!report.python.error.empty() && (python_option->count() > 0 || measure))
          fail("cannot ask the python: {}", report.python.error);
        std::vector<Mount> mounts = read_mounts();
        report.locations = check_locations({::getenv, cwd, script.value_or(""), &report.python, mounts});
        if (measure) {
          const char* path = std::getenv("PATH");
          std::string strace = find_program("strace", path != nullptr ? path : "");
          report.measure = measure_metadata_ops(python, *measure, strace, mounts, cwd);
        }
        report.chroot = resolve_chroot(chroot);
        report.cache_entries = check_cache_entries(report.chroot);
        if (std::optional<std::string> note = remove_ipc_note()) report.notes.push_back(*note);
        for (auto& note : package_dir_notes(::getenv)) report.notes.push_back(std::move(note));
        if (std::optional<Mpi4pyAbi> abi = mpi4py_abi_on_path(report.python.path)) {
          std::string running = running_mpi_version();
          std::optional<std::string> mismatch = mpi_abi_mismatch(*abi, running);
          report.notes.push_back(mismatch ? "MPI MISMATCH: " + *mismatch
                                          : fmt::format("mpi4py {} needs {} ({}); python-mpi runs {}: they match",
                                                        abi->extension, abi->library, abi->family, running));
        }
        if (json) fmt::print("{}\n", doctor_json(report).dump(2));
        else fmt::print("{}", format_doctor_table(report));
        return anything_shared(report) || any_cache_damage(report) ? kExitDoctorFoundShared : kExitOk;
      },
      kExitDoctorCannotCheck);
}

}  // namespace pybcast
