#include "cli/mpi_main.h"

#include <mpi.h>

#include "util/diagnostics.h"
#include "util/error.h"
#include "util/interrupt.h"

namespace pybcast {

namespace {

const char* thread_level_name(int level) {
  if (level == MPI_THREAD_SINGLE) return "MPI_THREAD_SINGLE";
  if (level == MPI_THREAD_FUNNELED) return "MPI_THREAD_FUNNELED";
  if (level == MPI_THREAD_SERIALIZED) return "MPI_THREAD_SERIALIZED";
  if (level == MPI_THREAD_MULTIPLE) return "MPI_THREAD_MULTIPLE";
  return "unknown";
}

}  // namespace

int run_under_mpi(int& argc, char**& argv, int thread_level, const std::function<int()>& body) {
  int provided = 0;
  MPI_Init_thread(&argc, &argv, thread_level, &provided);
  install_interrupt_handlers();
  // mpi4py asks for MULTIPLE and trusts what it is told: say so when this MPI grants less.
  if (thread_level == MPI_THREAD_MULTIPLE && provided < thread_level) {
    int rank = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    if (rank == 0)
      diag::warning(
          "the MPI library granted thread level {} (asked for MPI_THREAD_MULTIPLE): Python code that calls MPI from "
          "several threads is not safe in this job",
          thread_level_name(provided));
  }
  int status = kExitFailure;
  try {
    status = body();
  } catch (const Interrupted& e) {
    // Local clean-up is done (destructors ran); do not wait for other ranks.
    diag::error(e.what());
    die_of(e.signo());
  } catch (const Error& e) {
    diag::error(e.what());
    status = kExitFailure;
  } catch (const std::exception& e) {
    diag::error("internal error: {}", e.what());
    MPI_Abort(MPI_COMM_WORLD, kExitInternal);
  }
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (!finalized) MPI_Finalize();
  return status;
}

}  // namespace pybcast
