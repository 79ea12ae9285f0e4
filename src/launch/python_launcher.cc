#include "launch/python_launcher.h"

#include <dlfcn.h>
#include <mpi.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include "audit/audit_session.h"
#include "bcast/agreement.h"
#include "cache/cache_gc.h"
#include "cache/user_root.h"
#include "launch/child_environment.h"
#include "launch/mpi_abi.h"
#include "launch/prepared_python.h"
#include "launch/script_dir.h"
#include "util/diagnostics.h"
#include "util/error.h"
#include "util/interrupt.h"
#include "util/timer.h"
#include "util/units.h"

namespace pybcast {

namespace {

using PyBytesMain = int (*)(int, char**);

/// How long a node leader waits for its node's other processes to leave the image mount.
constexpr double kMountUsersTimeoutSeconds = 60;

struct ExitPolicy {
  bool abort_on_error = true;
  int rank = 0;
  bool cleanup = false;
  StageOutcome* stage = nullptr;  ///< alive while Python runs (exit() is called from inside it)
  bool report = false;
  double launcher_started = 0;
  double python_entered = 0;  ///< seconds after launcher start
  pid_t pid = 0;              ///< the process that initialized MPI (not a child forked by the script)
  bool audit = false;
  std::string audit_json;
  StageOutcome* script_stage = nullptr;  ///< --stage-script-dir's, alive alike; null without it
  WarmCaches* warm = nullptr;            ///< alive alike
};
ExitPolicy exit_policy;
std::optional<AuditRecord> audit_record;  ///< this rank's, when it runs under the preload library

/// One node's entry of `stage`, on its leader: removed unless another job on
/// the node uses it (the same exclusive, non-blocking lock as gc).
void clean_up_entry(StageOutcome& stage) {
  if (!stage.usage_lock.open()) return;
  try {
    StageCache cache(open_user_root(stage.node_root));
    if (stage.mount) {
      // The mount lives until this process is gone (code still runs from it):
      // the image goes now, its empty mount point with the next gc.
      stage.usage_lock.unlock();
      if (stage.usage_lock.try_exclusive()) cache.remove_image_entry(stage.key);
      else diag::note("--cleanup: {} is in use by another job; kept", cache.image_entry_path(stage.key));
    } else if (!remove_if_unused(cache, stage.key, stage.usage_lock))
      diag::note("--cleanup: {} is in use by another job; kept", stage.prefix);
  } catch (const std::exception& e) {
    diag::note("--cleanup failed on rank {}: {}", exit_policy.rank, e.what());
  }
}

/// --cleanup: once every rank is done, each leader removes its node's entries,
/// the environment's and (--stage-script-dir) the script directory's, unless
/// some rank failed (they are kept for the rerun). Every rank enters the same
/// collective whatever its status (with --no-abort-on-error a failed rank
/// gets here too).
void clean_up_entries(int status) {
  bool any_failed = allreduce_max(MPI_COMM_WORLD, status != 0 ? 1 : 0) != 0;
  if (any_failed) {
    if (exit_policy.rank == 0) diag::note("--cleanup: a rank failed; the cache entries are kept");
    return;
  }
  clean_up_entry(*exit_policy.stage);
  if (exit_policy.script_stage != nullptr) clean_up_entry(*exit_policy.script_stage);
}

/// Finalizes MPI on success, aborts the job on failure, as mpi4py's -m
/// does; returns the status to exit with (a failed harvest of the caches
/// turns success into failure).
int finish_mpi(int status) {
  // A child the script forked (os.fork, multiprocessing) inherits this
  // handler; its sys.exit must not abort or finalize the parent's MPI.
  if (::getpid() != exit_policy.pid) return status;
  int initialized = 0, finalized = 0;
  MPI_Initialized(&initialized);
  MPI_Finalized(&finalized);
  if (!initialized || finalized) return status;
  if (exit_policy.report && exit_policy.rank == 0)
    diag::note("rank 0 finished with status {}: total {} (Python started after {})", status,
               format_seconds(monotonic_seconds() - exit_policy.launcher_started),
               format_seconds(exit_policy.python_entered));
  if (status != 0 && exit_policy.abort_on_error) {
    diag::note("rank {} exited with status {}; aborting the job", exit_policy.rank, status);
    MPI_Abort(MPI_COMM_WORLD, status);
  }
  // Collective, like --cleanup: every rank that gets here enters it.
  if (exit_policy.audit)
    finish_audit(MPI_COMM_WORLD, audit_record, exit_policy.stage->prefix, {exit_policy.audit_json});
  // Collective too; after the audit, whose counts are the script's alone.
  if (exit_policy.warm != nullptr) status = exit_policy.warm->finish(status);
  if (exit_policy.cleanup) clean_up_entries(status);
  MPI_Finalize();
  // A node leader's death ends its image mount (stage/image_mount): the
  // node's other ranks, still exiting from code mapped from it, go first.
  if (exit_policy.stage->mount && exit_policy.stage->mount_users &&
      !exit_policy.stage->mount_users->wait_for_others(kMountUsersTimeoutSeconds))
    diag::note("rank {}: processes of this job still run from the image mount after {:.0f} s; it ends now",
               exit_policy.rank, kMountUsersTimeoutSeconds);
  return status;
}

/// CPython calls exit() itself on SystemExit (PyErr_Print -> Py_Exit), so
/// Py_BytesMain may never return to us; on_exit(3) still sees the status.
void finish_mpi_at_exit(int status, void*) {
  int final_status = finish_mpi(status);
  if (final_status != status) {
    std::fflush(nullptr);
    ::_exit(final_status);
  }
}

void* load_libpython(const std::string& libpython) {
  void* library = dlopen(libpython.c_str(), RTLD_NOW | RTLD_GLOBAL);
  if (library == nullptr) fail("cannot load {}: {}", libpython, dlerror());
  return library;
}

/// The script python-mpi runs, if its arguments name one (not -c, -m or stdin).
std::string script_of(const std::vector<std::string>& python_args) {
  if (python_args.empty() || python_args[0][0] == '-') return "";
  return python_args[0];
}

/// --report/--trace: the staging report plus when each rank reached Python.
/// Collective; a trace that cannot be written fails every rank.
void report_launch(MPI_Comm world, const ReportOutputs& outputs, StageOutcome& outcome, const PreparedPython& prepared,
                   const WarmCaches& warm, double entering) {
  int rank = 0, size = 1;
  MPI_Comm_rank(world, &rank);
  MPI_Comm_size(world, &size);
  std::vector<double> starts(rank == 0 ? static_cast<size_t>(size) : 0);
  MPI_Gather(&entering, 1, MPI_DOUBLE, starts.data(), 1, MPI_DOUBLE, 0, world);
  run_agreed(world, [&] {
    if (rank != 0) return;
    const StagedPython& python = prepared.python;
    auto [lo, hi] = std::minmax_element(starts.begin(), starts.end());
    outcome.context.python = {python.version, python.home, python.libpython, *lo, median_of(starts), *hi};
    add_environment_to_report(prepared.env, outcome.context);
    warm.add_to_report(outcome.context);
    outcome.context.warnings = prepared.env.warnings;
    write_report_and_trace(outputs, outcome.context, outcome.samples);
  });
}

}  // namespace

int run_py_bytes_main(const std::string& libpython, const std::string& argv0, const std::vector<std::string>& args,
                      const std::vector<UserValue>& for_children) {
  void* library = load_libpython(libpython);
  restore_for_children(library, for_children);
  auto main = reinterpret_cast<PyBytesMain>(dlsym(library, "Py_BytesMain"));
  if (main == nullptr) fail("{} has no Py_BytesMain: Python 3.8 or newer is required", libpython);
  std::vector<std::string> storage{argv0};
  storage.insert(storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : storage) argv.push_back(a.data());
  argv.push_back(nullptr);
  return main(static_cast<int>(storage.size()), argv.data());
}

int launch_python(const LaunchRequest& request, double launcher_started) {
  MPI_Comm world = MPI_COMM_WORLD;
  int rank = 0, size = 1;
  MPI_Comm_rank(world, &rank);
  MPI_Comm_size(world, &size);
  if (request.python_args.empty() && size > 1)
    fail("interactive Python needs a single rank: give a script, -c CODE or -m MODULE");

  audit_record = take_audit_record();  // before anything starts a child
  StageRequest stage = request.stage;
  stage.want_report = request.outputs.report || !request.outputs.trace.empty();
  stage.mount_images = true;  // this process lives as long as the job step
  StageOutcome outcome = stage_bundles(world, stage);
  if (outcome.mount) keep_mounted_until_exit(outcome.mount);
  if (audit_record) audit_record->skip_under(outcome.prefix);
  std::vector<std::string> python_args = request.python_args;
  std::optional<ScriptDirStage> script_dir;  // its shared lock is held while Python runs
  if (request.stage_script_dir) {
    script_dir = stage_script_directory(world, stage, request.script_dir, python_args);
    if (script_dir) outcome.context.script_directory = {script_dir->directory, script_dir->outcome.prefix};
  }
  std::string seed = agree_hash_seed(world);
  // Agreed, so that a rank that cannot start Python does not leave the others running alone.
  PreparedPython prepared;
  run_agreed(world, [&] {
    prepared = prepare_staged_python(outcome, {stage.chroot, seed, script_of(python_args), request.keep_pythonhome});
    prepare_node_caches(outcome);
    if (std::optional<Mpi4pyAbi> abi = staged_mpi4py_abi(outcome.prefix))
      if (std::optional<std::string> mismatch = mpi_abi_mismatch(*abi, running_mpi_version())) fail("{}", *mismatch);
    apply_environment(prepared.env);
    load_libpython(prepared.python.libpython);
  });
  if (rank == 0) {  // always, not only with --report
    for (const auto& notice : prepared.env.notices) diag::warning(notice);
    for (const auto& warning : prepared.env.warnings) diag::warning(warning);
  }
  WarmCaches warm(world, stage, {request.warm.caches, request.warm.save, request.outputs.report}, outcome,
                  prepared.python.version, prepared.env.caches);
  double entering = monotonic_seconds() - launcher_started;
  if (stage.want_report) report_launch(world, request.outputs, outcome, prepared, warm, entering);

  restore_interrupt_handlers();  // Python's own signal handling from here on
  exit_policy = {request.abort_on_error,
                 rank,
                 request.cleanup,
                 &outcome,
                 request.outputs.report,
                 launcher_started,
                 entering,
                 ::getpid(),
                 request.audit,
                 request.audit_json,
                 script_dir ? &script_dir->outcome : nullptr,
                 &warm};
  ::on_exit(finish_mpi_at_exit, nullptr);
  int status =
      run_py_bytes_main(prepared.python.libpython, prepared.python.executable, python_args, prepared.env.for_children);
  std::fflush(stdout);
  return finish_mpi(status);
}

}  // namespace pybcast
