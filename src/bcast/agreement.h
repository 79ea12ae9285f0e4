#pragma once
// Collective decisions: every rank learns the same outcome, so every rank
// prints the same message and exits the same way. Written over Transport, so
// that unit tests run them with in-process members; the MPI_Comm forms wrap
// the communicator in an MpiTransport (gentle waits, see mpi_wait.h, because
// most ranks spend staging idle in these calls).
#include <mpi.h>

#include <functional>
#include <optional>
#include <string>

#include "bcast/transport.h"
#include "util/local_status.h"

namespace pybcast {

/// The message of the lowest-ranked failing rank, or nullopt when every rank is fine.
std::optional<std::string> agree_on_failure(Transport& group, bool failed, const std::string& message);
std::optional<std::string> agree_on_failure(MPI_Comm comm, bool failed, const std::string& message);

/// The protocol every command follows: run a local step (record_failure),
/// agree on the outcome (throw_agreed_failure), throw the same Error on every
/// rank. Steps may be recorded several times before one agreement; other
/// threads may record into the same status.
void record_failure(LocalStatus& status, const std::function<void()>& step);
/// Throws Error with the lowest failing rank's message, on every rank of
/// `group`, if any rank's status failed. `where` (e.g. " (on node 1, rank 3)")
/// is appended to this rank's own message when it is the one shown.
void throw_agreed_failure(Transport& group, const LocalStatus& status, const std::string& where = "");
void throw_agreed_failure(MPI_Comm comm, const LocalStatus& status, const std::string& where = "");
/// Both: runs `step` here, then agrees over the group.
void run_agreed(Transport& group, const std::function<void()>& step);
void run_agreed(MPI_Comm comm, const std::function<void()>& step);

/// Collective integer reductions.
int allreduce_max(Transport& group, int value);
int allreduce_max(MPI_Comm comm, int value);
int allreduce_min(Transport& group, int value);
int allreduce_min(MPI_Comm comm, int value);
/// Broadcasts a string from `root`.
std::string bcast_string(Transport& group, int root, const std::string& text);
std::string bcast_string(MPI_Comm comm, int root, const std::string& text);

}  // namespace pybcast
