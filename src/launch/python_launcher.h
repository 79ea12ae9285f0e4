#pragma once
// python-mpi: stage the bundles, then run Python *in this process*, so MPI
// stays initialized and mpi4py just works. The staged libpython is loaded with
// dlopen(RTLD_NOW|RTLD_GLOBAL) (extension modules do not link libpython, they
// need its symbols global) and Py_BytesMain gets the user's arguments with
// argv[0] = the staged interpreter, so sys.executable and sys.prefix are
// node-local.
#include <string>
#include <vector>

#include "launch/child_environment.h"
#include "launch/warm_caches.h"
#include "stage/stager.h"

namespace pybcast {

struct LaunchRequest {
  StageRequest stage;
  std::vector<std::string> python_args;  ///< everything after the interpreter name
  bool abort_on_error = true;            ///< MPI_Abort when a rank's Python fails
  bool cleanup = false;                  ///< remove the node's cache entry at a successful exit
  bool keep_pythonhome = false;          ///< keep a PYTHONHOME/PYTHONPATH outside the stage (warned)
  bool audit = false;                    ///< --audit: count off-node file-system operations (audit/)
  std::string audit_json;                ///< --audit-json FILE
  bool stage_script_dir = false;         ///< --stage-script-dir: run the script from a node-local copy of its directory
  LiveTreeOptions script_dir;            ///< its limits (launch/script_dir)
  WarmCachesRequest warm;                ///< --caches, --save-caches (launch/warm_caches)
  ReportOutputs outputs;
};

/// The steps: stage -> agree on the hash seed -> prepare Python (locate it,
/// its environment, load libpython; agreed) -> warm caches -> report -> run
/// -> (at the end) harvest the caches.
/// Must run between MPI_Init_thread(MULTIPLE) and MPI_Finalize, on every
/// rank. Returns Python's exit status (0 or, with abort_on_error off, the
/// status); with abort_on_error a failing rank aborts the job.
int launch_python(const LaunchRequest& request, double launcher_started);

/// Loads libpython and calls Py_BytesMain, the variables of `for_children`
/// given back to the user's values before the user's code runs. Throws
/// Error if it cannot be loaded.
int run_py_bytes_main(const std::string& libpython, const std::string& argv0, const std::vector<std::string>& args,
                      const std::vector<UserValue>& for_children = {});

}  // namespace pybcast
