#pragma once
// The merge of every rank's audit tally at rank 0, over a binomial tree (log2 P
// steps; a message holds the distinct paths seen, not one entry per rank).
#include <mpi.h>

#include "audit/audit_tally.h"

namespace pybcast {

/// Collective over `comm`. Rank 0 gets the job's tally; the others a partial one.
AuditTally reduce_audit(MPI_Comm comm, AuditTally mine);

}  // namespace pybcast
