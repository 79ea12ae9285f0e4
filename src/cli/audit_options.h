#pragma once
// --audit and --audit-json for python-mpi and `pybcast run`: decided before
// MPI_Init (the program re-executes itself with the preload library first),
// then agreed like the other settings (rank 0's value chooses the reduction).
#include <optional>
#include <string>
#include <vector>

namespace pybcast {

struct AuditOptions {
  bool audit = false;
  std::string json;  ///< --audit-json FILE, made absolute; implies audit
};

/// The flags, else PYBCAST_AUDIT=1 / PYBCAST_AUDIT_JSON=FILE.
AuditOptions resolve_audit_options(const AuditOptions& flags);
/// Re-executes this program under the preload library when asked (only
/// returns then on failure, with the exit status after the message).
std::optional<int> start_audit(const AuditOptions& options, char** argv);

}  // namespace pybcast
