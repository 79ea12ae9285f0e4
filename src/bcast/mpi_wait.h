#pragma once
// Waiting for MPI without spinning a core: MPI implementations busy-poll in
// blocking calls, which steals the CPU from the extraction threads and from
// oversubscribed ranks. We test, spin briefly, then back off to short sleeps.
#include <mpi.h>

namespace pybcast {

/// Completes `request` (MPI_Test + backoff sleeps up to 1 ms). Throws
/// Interrupted if a termination signal arrives while waiting.
void wait_gently(MPI_Request& request);

}  // namespace pybcast
