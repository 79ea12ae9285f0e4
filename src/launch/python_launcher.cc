#include "launch/python_launcher.h"

#include <dlfcn.h>
#include <mpi.h>

#include <cstdlib>
#include <fstream>
#include <random>

#include <fmt/format.h>

#include "bcast/agreement.h"
#include "cache/cache_gc.h"
#include "cache/user_root.h"
#include "launch/python_env.h"
#include "util/error.h"
#include "util/local_status.h"
#include "util/timer.h"
#include "util/units.h"

namespace pybcast {

namespace {

using PyBytesMain = int (*)(int, char**);

struct ExitPolicy {
  bool abort_on_error = true;
  int rank = 0;
  bool cleanup = false;
  StageOutcome* stage = nullptr;  ///< alive while Python runs (exit() is called from inside it)
  bool report = false;
  double launcher_started = 0;
  double python_entered = 0;  ///< seconds after launcher start
};
ExitPolicy exit_policy;

/// --cleanup: once every rank is done, each leader removes its node's entry
/// unless another job on the node uses it.
void clean_up_entry() {
  MPI_Barrier(MPI_COMM_WORLD);
  StageOutcome& stage = *exit_policy.stage;
  if (!stage.usage_lock.open()) return;
  try {
    StageCache cache(open_user_root(stage.node_root));
    if (!remove_if_unused(cache, stage.key, stage.usage_lock))
      fmt::print(stderr, "python-mpi: --cleanup: {} is in use by another job; kept\n", stage.prefix);
  } catch (const std::exception& e) {
    fmt::print(stderr, "python-mpi: --cleanup failed on rank {}: {}\n", exit_policy.rank, e.what());
  }
}

/// CPython calls exit() itself on SystemExit (PyErr_Print -> Py_Exit), so
/// Py_BytesMain may never return to us. on_exit(3) still sees the status:
/// finalize MPI on success, abort the job on failure, as mpi4py's -m does.
void finish_mpi_at_exit(int status, void*) {
  int initialized = 0, finalized = 0;
  MPI_Initialized(&initialized);
  MPI_Finalized(&finalized);
  if (!initialized || finalized) return;
  if (exit_policy.report && exit_policy.rank == 0)
    fmt::print(stderr, "python-mpi: rank 0 finished with status {}: total {} (Python started after {})\n", status,
               format_seconds(monotonic_seconds() - exit_policy.launcher_started),
               format_seconds(exit_policy.python_entered));
  if (status != 0 && exit_policy.abort_on_error) {
    fmt::print(stderr, "python-mpi: rank {} exited with status {}; aborting the job\n", exit_policy.rank, status);
    std::fflush(stderr);
    MPI_Abort(MPI_COMM_WORLD, status);
  }
  if (exit_policy.cleanup && status == 0) clean_up_entry();
  MPI_Finalize();
}

std::string agree_hash_seed(MPI_Comm world) {
  int rank = 0;
  MPI_Comm_rank(world, &rank);
  std::string seed;
  if (rank == 0) seed = std::to_string(std::random_device{}());
  return bcast_string(world, 0, seed);
}

/// Runs `body` on every rank and agrees on its failure, so that a rank that
/// cannot start Python does not leave the others running alone.
template <typename Body>
void agreed(MPI_Comm world, Body body) {
  LocalStatus status;
  try {
    body();
  } catch (const std::exception& e) {
    status.fail(e.what());
  }
  if (auto failure = agree_on_failure(world, status.failed(), status.message())) throw Error(*failure);
}

}  // namespace

int run_py_bytes_main(const std::string& libpython, const std::string& argv0, const std::vector<std::string>& args) {
  void* library = dlopen(libpython.c_str(), RTLD_NOW | RTLD_GLOBAL);
  if (library == nullptr) fail("cannot load {}: {}", libpython, dlerror());
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

  StageRequest stage = request.stage;
  stage.want_report = request.report || !request.trace.empty();
  StageOutcome outcome = stage_bundles(world, stage);

  StagedPython python;
  LaunchEnvironment env;
  std::string seed = agree_hash_seed(world);
  agreed(world, [&] {
    PythonHomeRequest where{outcome.prefix, stage.chroot, std::nullopt, outcome.bundle_names};
    if (const char* home = std::getenv("PYTHONHOME"); home && *home) where.user_home = home;
    python = locate_staged_python(where);
    std::string script;
    if (!request.python_args.empty() && request.python_args[0][0] != '-') script = request.python_args[0];
    env = python_environment({python, user_root_path(outcome.node_root) + "/pycache", seed, script, ::getenv});
    apply_environment(env);
    if (dlopen(python.libpython.c_str(), RTLD_NOW | RTLD_GLOBAL) == nullptr)
      fail("cannot load {}: {}", python.libpython, dlerror());
  });

  double entering = monotonic_seconds() - launcher_started;
  if (stage.want_report) {
    std::vector<double> starts(rank == 0 ? static_cast<size_t>(size) : 0);
    MPI_Gather(&entering, 1, MPI_DOUBLE, starts.data(), 1, MPI_DOUBLE, 0, world);
    if (rank == 0) {
      auto [lo, hi] = std::minmax_element(starts.begin(), starts.end());
      outcome.context.extra_lines.push_back(fmt::format("python {} from {}", python.version, python.home));
      outcome.context.extra_lines.push_back(fmt::format("  libpython {}", python.libpython));
      outcome.context.extra_lines.push_back(
          fmt::format("launcher start -> Py_BytesMain: min {}, median {}, max {}", format_seconds(*lo),
                      format_seconds(median_of(starts)), format_seconds(*hi)));
      for (const auto& w : env.warnings) outcome.context.extra_lines.push_back("warning: " + w);
      if (request.report) fmt::print(stderr, "{}", format_report(outcome.context, outcome.samples));
      if (!request.trace.empty()) std::ofstream(request.trace) << format_trace(outcome.samples);
      std::fflush(stderr);
    }
  }

  exit_policy = {request.abort_on_error, rank, request.cleanup, &outcome, request.report, launcher_started, entering};
  ::on_exit(finish_mpi_at_exit, nullptr);
  int status = run_py_bytes_main(python.libpython, python.executable, request.python_args);
  std::fflush(stdout);
  finish_mpi_at_exit(status, nullptr);
  return status;
}

}  // namespace pybcast
