// pybcast: parse the subcommand and dispatch; everything else lives in the library.
#include <cstring>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/exit_status.h"
#include "util/diagnostics.h"
#include "version.h"

namespace {

void print_usage() {
  fmt::print(
      "usage: pybcast <command> [options]\n\n"
      "Stage Python and its packages once per node, from bundles on a shared file system,\n"
      "so that thousands of MPI ranks start without touching the shared file system.\n\n"
      "commands:\n");
  for (const auto& c : pybcast::commands()) fmt::print("  {:<10} {}\n", c.name, c.summary);
  fmt::print("\nRun 'pybcast <command> --help' for a command's options.\n");
}

}  // namespace

int main(int argc, char** argv) {
  pybcast::diag::set_program("pybcast");
  if (argc < 2 || std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0) {
    print_usage();
    return argc < 2 ? pybcast::kExitUsage : pybcast::kExitOk;
  }
  if (std::strcmp(argv[1], "--version") == 0) {
    fmt::print("pybcast {}\n", PYBCAST_VERSION);
    return 0;
  }
  const pybcast::Command* command = pybcast::find_command(argv[1]);
  if (command == nullptr) {
    std::string hint = pybcast::suggest_command(argv[1]);
    pybcast::diag::note("unknown command '{}'{}; see 'pybcast --help'", argv[1],
                        hint.empty() ? "" : fmt::format(" (did you mean '{}'?)", hint));
    return pybcast::kExitUsage;
  }
  return command->run(argc - 1, argv + 1);
}
