#include "launch/prepared_python.h"

#include <cstdlib>
#include <random>

#include "bcast/agreement.h"
#include "cache/node_layout.h"

namespace pybcast {

PreparedPython prepare_staged_python(const StageOutcome& outcome, const std::string& chroot,
                                     const std::string& hash_seed, const std::string& script) {
  PythonHomeRequest where{outcome.prefix, chroot, std::nullopt, outcome.bundle_names};
  if (const char* home = std::getenv("PYTHONHOME"); home && *home) where.user_home = home;
  PreparedPython prepared;
  prepared.python = locate_staged_python(where);
  std::string pycache = layout::pycache_path(layout::user_root(outcome.node_root));
  prepared.env = python_environment({prepared.python, pycache, hash_seed, script, ::getenv});
  return prepared;
}

std::string agree_hash_seed(MPI_Comm world) {
  int rank = 0;
  MPI_Comm_rank(world, &rank);
  std::string seed;
  if (rank == 0) seed = std::to_string(std::random_device{}());
  return bcast_string(world, 0, seed);
}

}  // namespace pybcast
