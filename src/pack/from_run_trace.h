#pragma once
// `pack --from-run`, first half: run the user's command once with a Python
// audit hook injected (a sitecustomize on PYTHONPATH) and collect, from every
// Python process it started, what that process touched: the files of the
// modules it imported, the files it opened for reading, the shared objects
// mapped at exit (/proc/self/maps) and the distributions those modules
// belong to.
#include <set>
#include <string>
#include <vector>

namespace pybcast {

struct TracedDistribution {
  std::string name, version;
  std::string metadata;  ///< absolute *.dist-info / *.egg-info directory
};

struct RunTrace {
  int processes = 0;                  ///< Python processes that reported
  std::string executable;             ///< sys.executable of the first process
  std::set<std::string> sys_path;     ///< absolute sys.path entries (all processes)
  std::set<std::string> script_dirs;  ///< sys.path[0] of processes that ran a script (or the cwd)
  std::set<std::string> scripts;      ///< __main__.__file__
  std::set<std::string> modules;      ///< imported modules' __file__
  std::set<std::string> opened;       ///< files opened for reading
  std::set<std::string> mapped;       ///< shared objects mapped at exit
  std::vector<TracedDistribution> distributions;
};

/// The Python hook, for tests and for `--help` readers who want to see it.
const char* trace_hook_source();

/// Merges the trace files written by the hook (one line per fact, JSON
/// encoded). Throws Error on malformed input.
void parse_trace(const std::string& text, RunTrace& trace);

/// Runs `command` (e.g. {"python3", "script.py"} or {"mpirun", "-n", "2",
/// "python3", "script.py"}) with the hook, waits for it and reads what its
/// Python processes reported. Throws Error when it fails or no Python
/// process reported. `log` receives the command's stdout and stderr.
RunTrace trace_run(const std::vector<std::string>& command, std::string& log);

}  // namespace pybcast
