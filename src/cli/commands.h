#pragma once
// The subcommand table: `pybcast --help` lists it, dispatch and
// "did you mean" read it.
#include <functional>
#include <span>
#include <string>
#include <string_view>

namespace pybcast {

struct Command {
  const char* name;
  const char* summary;
  int (*run)(int argc, char** argv);  ///< argv[0] is the command name
};

std::span<const Command> commands();
const Command* find_command(std::string_view name);
/// The closest command name, or "" when nothing is close.
std::string suggest_command(std::string_view name);

int run_stage(int argc, char** argv);
int run_run(int argc, char** argv);
int run_pack(int argc, char** argv);
int run_inspect(int argc, char** argv);
int run_gc(int argc, char** argv);
int run_doctor(int argc, char** argv);

struct LaunchRequest;
/// python-mpi and `pybcast run`: MPI_Init_thread(MULTIPLE), resolve the
/// settings on every rank and agree on them (`resolve` reads the environment),
/// stage, run Python.
int launch_main(int argc, char** argv, const std::function<LaunchRequest()>& resolve, double started);

}  // namespace pybcast
