#pragma once
// `pack --from-run`, first half: run the user's command once with a Python
// audit hook injected (a sitecustomize on PYTHONPATH) and collect, from every
// Python process it started, what that process touched: the files of the
// modules it imported, the files it opened for reading, the shared objects
// mapped at exit (/proc/self/maps) and the distributions those modules
// belong to; then keep what the processes of the target interpreter touched.
#include <cstdint>
#include <set>
#include <string>
#include <vector>

namespace pybcast {

struct TracedDistribution {
  std::string name, version;
  std::string metadata;  ///< absolute *.dist-info / *.egg-info directory
};

/// Which Python a process ran. A venv shares its base's identity: the same
/// real base prefix, version and ABI.
struct TracedInterpreter {
  std::string executable;   ///< real path of the base interpreter binary, for messages
  std::string base_prefix;  ///< real path of sys.base_prefix
  std::string version;      ///< "3.11.2"
  std::string abi;          ///< SOABI, "cpython-311-x86_64-linux-gnu"
  bool same_as(const TracedInterpreter& other) const;
};

/// What one Python process reported.
struct TracedProcess {
  int64_t started = 0;     ///< CLOCK_MONOTONIC nanoseconds when its hook ran: orders the processes
  std::string executable;  ///< sys.executable
  TracedInterpreter interpreter;
  std::vector<std::string> sys_path;  ///< absolute sys.path entries at exit
  std::string path0;       ///< sys.path[0] at exit (the script's directory or the cwd, unless the run changed it)
  std::string script_dir;  ///< real directory of the script it ran ("" for -m, -c, stdin)
  std::string main;        ///< __main__.__file__
  std::vector<std::string> modules, opened, mapped;
  std::vector<TracedDistribution> distributions;
};

/// A Python the run started besides the target: left out, and said.
struct OtherInterpreter {
  TracedInterpreter interpreter;
  int processes = 0;
};

/// What the processes of the target interpreter touched, merged.
struct RunTrace {
  int processes = 0;                  ///< the target's Python processes that reported
  std::string executable;             ///< sys.executable of the target's first process
  TracedInterpreter interpreter;      ///< the target
  std::set<std::string> sys_path;     ///< absolute sys.path entries (all the target's processes)
  std::set<std::string> script_dirs;  ///< where the scripts ran from (sys.path[0], the script's directory)
  std::set<std::string> scripts;      ///< __main__.__file__
  std::set<std::string> modules;      ///< imported modules' __file__
  std::set<std::string> opened;       ///< files opened for reading
  std::set<std::string> mapped;       ///< shared objects mapped at exit
  std::vector<TracedDistribution> distributions;
  std::vector<OtherInterpreter> others;  ///< interpreters whose processes were left out, in order of appearance
};

/// The Python hook, for tests and for `--help` readers who want to see it.
const char* trace_hook_source();

/// Reads the records written by the hook (one line per process, JSON
/// encoded). Throws Error on malformed input.
std::vector<TracedProcess> parse_trace(const std::string& text);

/// Merges what the processes of `target` touched (when null: of the
/// interpreter the first process to start ran) and counts the processes of
/// every other interpreter: their files belong to another Python's layout.
RunTrace merge_trace(std::vector<TracedProcess> processes, const TracedInterpreter* target);

/// Runs `command` (e.g. {"python3", "script.py"} or {"mpirun", "-n", "2",
/// "python3", "script.py"}) with the hook, waits for it and reads what its
/// Python processes reported. Throws Error when it fails or no Python
/// process reported. `log` receives the command's stdout and stderr.
std::vector<TracedProcess> trace_run(const std::vector<std::string>& command, std::string& log);

}  // namespace pybcast
