#include "bcast/mpi_wait.h"

#include <time.h>

#include <algorithm>

#include "util/interrupt.h"

namespace pybcast {

void wait_gently(MPI_Request& request) {
  constexpr int kSpins = 64;
  long sleep_ns = 2'000;
  for (int i = 0;; ++i) {
    // Before any MPI call: once the job is being torn down, peers may be gone
    // and progressing a collective with them can stall until SIGKILL.
    throw_if_interrupted();
    int done = 0;
    MPI_Test(&request, &done, MPI_STATUS_IGNORE);
    if (done) return;
    if (i < kSpins) continue;
    timespec ts{0, sleep_ns};
    nanosleep(&ts, nullptr);
    sleep_ns = std::min(sleep_ns * 2, 1'000'000L);
  }
}

}  // namespace pybcast
