#pragma once
// Runs a helper program (the target python, its pip) and collects what it
// prints. `pack` asks the target python about its own layout instead of
// guessing, so every such question goes through here.
#include <string>
#include <utility>
#include <vector>

namespace pybcast {

struct ChildOptions {
  std::string input;                                     ///< written to the child's stdin
  std::vector<std::pair<std::string, std::string>> env;  ///< added to (or replacing in) our environment
};

struct ChildResult {
  int status = 0;  ///< exit code, or 128 + signal number
  std::string out;
  std::string err;
};

/// Runs argv (argv[0] searched on PATH) to completion. Throws
/// Error("cannot run '<argv0>': <strerror>") when it cannot be started.
ChildResult run_child(const std::vector<std::string>& argv, const ChildOptions& options = {});

/// The last non-empty line of a child's stderr: the useful part of a traceback
/// or of pip's output, short enough for a one-line error.
std::string last_line(const std::string& text);

/// The full path of `program` on `path` (a PATH value), or "" if none is executable.
std::string find_program(const std::string& program, const std::string& path);

}  // namespace pybcast
