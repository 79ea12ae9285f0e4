#pragma once
// Warm runtime caches for python-mpi (docs/warm-caches.md): caches bundles
// (`--caches FILE`, or named among the bundles) are staged like any bundle,
// then copied on each node into the writable <user root>/caches/<name>
// where NUMBA_CACHE_DIR, MPLCONFIGDIR, ... point; at the end of a job that
// succeeded, `--save-caches FILE` harvests what the caches gained on every
// node into one caches bundle (warm/harvest).
#include <mpi.h>

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "launch/python_env.h"
#include "stage/stager.h"

namespace pybcast {

class MpiTransport;
class NodeTopology;

struct WarmCachesRequest {
  std::vector<std::string> caches;  ///< --caches: caches bundle files (absolute); a missing one starts cold
  std::string save;                 ///< --save-caches FILE (absolute); empty: none
  bool report = false;              ///< --report: count what the caches gained
};

class WarmCaches {
 public:
  /// Collective over `world`, after the environment's staging and Python's
  /// preparation (`redirects`: the caches pointed at the node): stages the
  /// --caches bundles into their own entry, copies every caches bundle that
  /// fits this job (Python version, machine, tool versions; the others are
  /// skipped with a warning on rank 0) into the node's caches, and, to
  /// count or harvest them later, notes what the caches hold. Throws the
  /// agreed Error on every rank.
  WarmCaches(MPI_Comm world, const StageRequest& stage, const WarmCachesRequest& request, const StageOutcome& outcome,
             const std::string& python_version, const std::vector<CacheRedirect>& redirects);
  ~WarmCaches();
  WarmCaches(const WarmCaches&) = delete;
  WarmCaches& operator=(const WarmCaches&) = delete;

  /// Rank 0: "staged N files, B from BUNDLE" on the report's cache lines.
  void add_to_report(ReportContext& context) const;

  /// Collective, at the end of the job: with --save-caches and every rank's
  /// `status` 0, harvests and writes FILE; with --report, counts what the
  /// caches gained. Returns `status`, or kExitFailure when the harvest
  /// failed (every rank has printed why).
  int finish(int status);

 private:
  int harvest(int status);

  struct Staged;
  WarmCachesRequest request_;
  std::unique_ptr<MpiTransport> world_;
  std::unique_ptr<NodeTopology> topology_;
  std::optional<StageOutcome> own_entry_;  ///< the --caches bundles' entry (its usage lock held while we run)
  std::vector<std::string> names_;         ///< the caches pointed at the node
  std::string prefix_;                     ///< the environment's staged prefix
  std::string python_version_;
  layout::NodeRoot node_root_;
  std::unique_ptr<Staged> staged_;  ///< rank 0's counts, for the report
  std::set<std::string> carried_;   ///< leaders: the paths the caches bundles put on the node
  struct Snapshot;
  std::unique_ptr<Snapshot> before_;
};

}  // namespace pybcast
