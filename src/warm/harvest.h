#pragma once
// `--save-caches FILE`: at the end of a job that succeeded on every rank,
// each node leader lists what its node's runtime caches gained during the
// job; rank 0 merges the lists (the same path with the same content: one
// copy; with different content: the first node's, counted), the chosen
// files travel over MPI to rank 0 (no node but rank 0's writes outside its
// node, and rank 0 writes only FILE), and rank 0 writes one caches bundle:
// an ordinary zstd bundle whose manifest (kind "caches") says which caches
// it holds and for which Python, tool versions and machine. FILE appears
// whole or not at all (a temporary name beside it, then a rename).
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "bcast/node_topology.h"
#include "bundle/manifest.h"
#include "cache/node_layout.h"
#include "warm/cache_files.h"

namespace pybcast {

/// One file a node's caches gained, as its leader lists it.
struct GainedFile {
  std::string path;  ///< "<cache>/<path>", relative to caches/
  uint64_t size = 0;
  std::string xxh3;  ///< empty when only counting
  bool executable = false;
  bool carried = false;  ///< brought by a caches bundle this job staged, not gained
};

/// Which node's copy of each path goes into the bundle: the first node's
/// that the job gained, else the first node's carried copy. Pure.
struct HarvestMerge {
  struct Kept {
    size_t node = 0;
    size_t index = 0;  ///< in that node's list
  };
  std::vector<Kept> kept;               ///< in path order
  std::vector<std::vector<bool>> send;  ///< by node, by index: whether it is kept
  uint64_t differing = 0;               ///< paths whose content differed between nodes
};
HarvestMerge merge_gained(const std::vector<std::vector<GainedFile>>& by_node);

struct HarvestRequest {
  std::string output;               ///< FILE, absolute; empty: only count what was gained (--report)
  layout::NodeRoot node_root;       ///< this rank's node
  std::vector<std::string> caches;  ///< the caches staged on the node (names under caches/)
  Manifest base;                    ///< rank 0: the Python and tool versions of the job
  /// Leaders: the paths ("<cache>/<path>") the caches bundles of this job
  /// put on the node. Saved with what was gained, if they are still there, so
  /// that a job run with --caches F --save-caches F keeps what F held.
  std::set<std::string> carried;
};

struct HarvestedCache {
  std::string name;
  uint64_t gained_files = 0, gained_bytes = 0;  ///< summed over nodes
  uint64_t saved_files = 0, saved_bytes = 0;    ///< in the bundle (gained or carried)
};

struct HarvestSummary {                ///< rank 0's
  std::vector<HarvestedCache> caches;  ///< every cache asked for, in order
  uint64_t nodes = 0;
  uint64_t nodes_with_gains = 0;
  uint64_t differing = 0;
  uint64_t bundle_bytes = 0;  ///< FILE's size; 0 if none was written (nothing to save: FILE is left as it was)
};

/// Collective over the topology's world; `before` is the node's snapshot
/// when Python started (leaders). Throws the agreed Error on every rank if
/// any rank fails; FILE is then not written.
HarvestSummary harvest_caches(const NodeTopology& topology, const CacheSnapshot& before, const HarvestRequest& request);

}  // namespace pybcast
