#pragma once
// Runs a command body inside MPI_Init/MPI_Finalize and turns the outcome into
// an exit status: an agreed Error is printed by every rank, one line each,
// and every rank exits 1. Anything unexpected aborts the job rather than
// leaving other ranks waiting.
#include <functional>

#include "cli/exit_status.h"

namespace pybcast {

/// `thread_level` is an MPI_THREAD_* constant.
int run_under_mpi(int& argc, char**& argv, int thread_level, const std::function<int()>& body);

}  // namespace pybcast
