#pragma once
// Collective decisions: every rank learns the same outcome, so every rank
// prints the same message and exits the same way. Waits are gentle (see
// mpi_wait.h) because most ranks spend staging idle in these calls.
#include <mpi.h>

#include <optional>
#include <string>


namespace pybcast {

/// The message of the lowest-ranked failing rank, or nullopt when every rank is fine.
std::optional<std::string> agree_on_failure(MPI_Comm comm, bool failed, const std::string& message);

/// Collective integer reductions with gentle waiting.
int allreduce_max(MPI_Comm comm, int value);
int allreduce_min(MPI_Comm comm, int value);
/// Broadcasts a string from `root`.
std::string bcast_string(MPI_Comm comm, int root, const std::string& text);

}  // namespace pybcast
