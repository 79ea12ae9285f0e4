#pragma once
// --audit from start to end, on one rank:
//   start_audit_if_asked   before MPI_Init: re-execute this program with the
//                          preload library (LD_PRELOAD for libc's calls, LD_AUDIT
//                          for the loader's searches) and a fresh record;
//   take_audit_record      after it: the record, with LD_PRELOAD and LD_AUDIT
//                          set back to the user's own, so Python's children do
//                          not inherit the library;
//   finish_audit           at exit, collective: each rank tallies its record,
//                          the tallies are merged over MPI, rank 0 prints the
//                          screen and writes --audit-json.
#include <mpi.h>

#include <optional>
#include <string>

#include "audit/audit_record.h"

namespace pybcast {

/// The preload library: <directory of this executable>/../lib/pybcast/libpybcast_audit.so
/// (the build tree and an install have the same layout), or PYBCAST_AUDIT_LIBRARY.
std::string audit_library_path();

/// When `asked` and this process does not run under the library yet, re-executes
/// /proc/self/exe with `argv`; returns otherwise. Throws Error if it cannot.
void start_audit_if_asked(bool asked, char** argv);

/// The record this process was re-executed with, or nullopt.
std::optional<AuditRecord> take_audit_record();

struct AuditOutputs {
  std::string json_path;  ///< --audit-json; "" for none
};

/// Collective over `world`: a rank without a record counts as not audited.
/// Rank 0 prints the screen on stderr and writes the JSON (a file it cannot
/// write is reported on stderr; Python's exit status stands).
void finish_audit(MPI_Comm world, std::optional<AuditRecord>& record, const std::string& staged_prefix,
                  const AuditOutputs& outputs);

}  // namespace pybcast
