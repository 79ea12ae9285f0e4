#pragma once
// `pybcast stage`: the named steps of one staging run, on every rank.
//   share_fds -> open_bundles -> share_plan -> check_cache
//     -> [prepare_trees -> stream -> publish -> wait_for_other_job]* -> report
// Every step ends in an agreement, so a failure anywhere becomes the same
// Error on every rank and no rank is left waiting in a collective.
#include <mpi.h>

#include <array>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "archive/decoder.h"
#include "bcast/chunk_pipeline.h"
#include "bcast/transport.h"
#include "cache/node_layout.h"
#include "cache/stage_cache.h"
#include "stage/image_mount.h"
#include "stage/stage_report.h"
#include "tree/live_tree.h"

namespace pybcast {

/// Defaults, shown by --help and the documented tables as they are used
/// (cli/settings_table).
inline constexpr uint64_t kDefaultChunkSize = uint64_t{4} << 20;
inline constexpr double kDefaultLockTimeoutSeconds = 600;
inline constexpr int kMaxExtractThreads = 256;

/// The steps StageRequest::before_phase names, in protocol order. Steps run
/// only when needed: prepare_trees for directory bundles, stream and publish
/// when some node extracts, report with want_report.
inline constexpr std::array<std::string_view, 9> kStagePhases = {"share_fds",   "open_bundles",       "share_plan",
                                                                 "check_cache", "prepare_trees",      "stream",
                                                                 "publish",     "wait_for_other_job", "report"};

struct StageRequest {
  std::string chroot = layout::kDefaultChroot;
  std::string pkgroot = ".";
  std::vector<std::string> bundles;
  int virtual_nodes = 0;  ///< 0: real nodes
  uint64_t chunk_size = kDefaultChunkSize;
  unsigned extract_threads = 0;  ///< per node leader; 0: the cores available to it (at most 16)
  double lock_timeout = kDefaultLockTimeoutSeconds;
  bool want_report = false;
  bool verify_cache = false;          ///< a hit re-hashes the entry against the manifests (--verify-cache)
  std::optional<uint64_t> cache_max;  ///< after an extraction, idle entries go (LRU) until the cache fits
  GzipInflater gzip_inflater = GzipInflater::kIsal;  ///< PYBCAST_GZIP_INFLATER
  PipelineOptions pipeline;
  LiveTreeOptions trees;  ///< how bundles that are directories are taken
  /// An image bundle is mounted for this process's life (python-mpi, run)
  /// where the node can (stage/image_mount.h); else, and for `pybcast stage`
  /// (whose process ends before the job's next step), it is extracted.
  bool mount_images = false;
  /// Test seam (unit tests of the protocol): called on every rank as it
  /// enters each step of kStagePhases; what it throws is that rank's failure
  /// in the step. Empty in production.
  std::function<void(std::string_view phase)> before_phase;
};

struct StageOutcome {
  std::string prefix;  ///< this rank's node-local merged prefix
  std::string key;
  std::vector<std::string> bundle_names;    ///< as given, in merge order
  layout::NodeRoot node_root;               ///< where this rank's user root is ($CHROOT, virtual node)
  CacheLock usage_lock;                     ///< leaders: shared lock on the entry, held while it lives
  bool image = false;                       ///< the bundle is an image (every rank knows)
  std::shared_ptr<ImageMount> mount;        ///< leaders of nodes that mounted it: the mount, held while it lives
  std::shared_ptr<MountUsers> mount_users;  ///< every rank of a node that mounted it (stage/image_mount)
  ReportContext context;                    ///< rank 0 only
  std::vector<RankSample> samples;          ///< rank 0 only (gathered when want_report)
};

/// Collective over `world`. Throws the agreed Error on every rank on failure.
StageOutcome stage_bundles(Transport& world, const StageRequest& request);
/// The same over an MPI communicator.
StageOutcome stage_bundles(MPI_Comm world, const StageRequest& request);

}  // namespace pybcast
