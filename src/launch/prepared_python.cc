#include "launch/prepared_python.h"

#include <cstdlib>
#include <random>

#include "bcast/agreement.h"
#include "cache/node_layout.h"

namespace pybcast {

PreparedPython prepare_staged_python(const StageOutcome& outcome, const PrepareOptions& options) {
  PythonHomeRequest where{outcome.prefix, options.chroot, std::nullopt, outcome.bundle_names, options.keep_pythonhome};
  if (const char* home = std::getenv("PYTHONHOME"); home && *home) where.user_home = home;
  PreparedPython prepared;
  prepared.python = locate_staged_python(where);
  std::string user_root = layout::user_root(outcome.node_root);
  // An image bundle: Python reads the bytecode in the image's own __pycache__
  // (no mirror can be linked into a read-only mount), so no PYTHONPYCACHEPREFIX;
  // the same where a node extracted it, so that every rank runs alike.
  std::string pycache = outcome.image ? "" : layout::pycache_path(user_root);
  EnvironmentInputs inputs{prepared.python, pycache, options.hash_seed, options.script, ::getenv};
  inputs.caches_dir = layout::caches_path(user_root);
  prepared.env = python_environment(inputs);
  return prepared;
}

void prepare_node_caches(const StageOutcome& outcome) {
  create_cache_dirs(outcome.node_root,
                    plan_cache_redirects(layout::caches_path(layout::user_root(outcome.node_root)), ::getenv));
}

LaunchEnvironment environment_for_later_step(const StageOutcome& outcome, const PrepareOptions& options) {
  LaunchEnvironment env = holds_python(outcome.prefix) ? prepare_staged_python(outcome, options).env
                                                       : prefix_environment(outcome.prefix, ::getenv);
  env.set.emplace_back("PYBCAST_PREFIX", outcome.prefix);
  return env;
}

void add_environment_to_report(const LaunchEnvironment& env, ReportContext& context) {
  for (const auto& m : env.mappings) context.mappings.push_back(m.describe());
  for (const auto& c : env.caches) context.caches.push_back({c.variable, c.path});
}

std::string agree_hash_seed(MPI_Comm world) {
  int rank = 0;
  MPI_Comm_rank(world, &rank);
  std::string seed;
  if (rank == 0) seed = std::to_string(std::random_device{}());
  return bcast_string(world, 0, seed);
}

}  // namespace pybcast
