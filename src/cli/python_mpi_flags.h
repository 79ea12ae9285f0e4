#pragma once
// python-mpi's own arguments: a few leading flags, in any order; the first
// other argument and everything after it are Python's (python-mpi-bcast's
// interface, where every argument went to Python).
#include <optional>
#include <string>
#include <vector>

#include "cli/audit_options.h"

namespace pybcast {

struct PythonMpiFlags {
  AuditOptions audit;                      ///< --audit, --audit-json FILE, --audit-json=FILE
  bool stage_script_dir = false;           ///< --stage-script-dir
  bool cleanup = false;                    ///< --cleanup
  std::optional<std::string> caches;       ///< --caches A:B
  std::optional<std::string> save_caches;  ///< --save-caches FILE
};

/// Takes python-mpi's leading flags out of `args`.
PythonMpiFlags take_python_mpi_flags(std::vector<std::string>& args);

}  // namespace pybcast
