#pragma once
// Exit statuses and error reporting, the same for every command:
//   0 success, 1 failure (an Error: its message, one line), 2 usage error
//   (CLI11's message), 70 internal error (EX_SOFTWARE: a bug; under MPI the
//   job is aborted with it). `pybcast doctor` (docs/doctor.md) gives 1 its
//   own meaning, something is on a shared file system; a request it cannot
//   check as given (a --python that does not run, a --script that is not
//   there) is a usage error, 2, like any other.
#include <functional>
#include <optional>

namespace CLI {
class App;
}

namespace pybcast {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitInternal = 70;
/// `pybcast doctor` (docs/doctor.md): a location is on a shared file system.
inline constexpr int kExitDoctorFoundShared = 1;

/// Parses argv into `app`. nullopt: go on. Otherwise the status to exit
/// with: kExitOk after --help/--version, kExitUsage after a usage error.
std::optional<int> parse_command_line(CLI::App& app, int argc, char** argv);

/// Runs a command body that does not use MPI: an Error prints its message and
/// gives `failure_status`; any other exception is an internal error.
int run_reporting_errors(const std::function<int()>& body, int failure_status = kExitFailure);

}  // namespace pybcast
