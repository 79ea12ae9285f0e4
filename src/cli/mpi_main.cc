#include "cli/mpi_main.h"

#include <mpi.h>

#include <cstdio>

#include <fmt/format.h>

#include "util/error.h"
#include "util/interrupt.h"

namespace pybcast {

int run_under_mpi(int& argc, char**& argv, int thread_level, const std::function<int()>& body) {
  int provided = 0;
  MPI_Init_thread(&argc, &argv, thread_level, &provided);
  install_interrupt_handlers();
  int status = kExitFailure;
  try {
    status = body();
  } catch (const Interrupted& e) {
    // Local clean-up is done (destructors ran); do not wait for other ranks.
    print_error(e.what());
    die_of(e.signo());
  } catch (const Error& e) {
    print_error(e.what());
    status = kExitFailure;
  } catch (const std::exception& e) {
    print_error(fmt::format("internal error: {}", e.what()));
    MPI_Abort(MPI_COMM_WORLD, kExitInternal);
  }
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (!finalized) MPI_Finalize();
  return status;
}

}  // namespace pybcast
