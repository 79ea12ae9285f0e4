#pragma once
// Rank 0's view of the bundles on the shared file system: each is opened once
// (one open, then fstat on the fd: no other metadata traffic) and read in
// large sequential chunks. It is the pipeline's ChunkSource.
// The files stay open until staging ends, as many as its fd share allows
// (archive/fd_budget); the others are closed after the open step and opened
// again at their turn, which must find the same file (inode, size, mtime,
// ctime) or fail as a bundle that changed while being read.
//
// A bundle that is a directory is staged as it is (tree/live_tree): walked
// here, once, for the cache key; streamed as tar only when a node extracts.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "bcast/chunk_pipeline.h"
#include "cache/cache_key.h"
#include "stage/stage_report.h"
#include "tree/live_tree.h"
#include "util/io.h"

namespace pybcast {

class LiveTree;

class BundleSet : public ChunkSource {
 public:
  /// Opens every bundle; throws one Error listing every bundle that cannot
  /// be used, by name and reason. At most `max_open` bundle files (at least
  /// 1) are open at once.
  BundleSet(const std::string& pkgroot, const std::vector<std::string>& names, const LiveTreeOptions& trees = {},
            size_t max_open = SIZE_MAX);

  const std::vector<BundleIdentity>& identities() const { return identities_; }
  std::vector<uint64_t> sizes() const;
  const std::vector<std::string>& names() const { return names_; }
  /// Per bundle: true for a directory staged as it is.
  std::vector<bool> trees() const;
  /// Per bundle: true for an image bundle (squashfs, detected by its first bytes).
  const std::vector<bool>& images() const { return images_; }
  /// Lays out the tar streams of the directory bundles (their sizes are
  /// known after). Throws Error naming the directory.
  void prepare_trees(const std::string& scratch_parent = "");
  std::vector<TreeWalkReport> tree_walks() const;
  /// What the walks of directories left out or kept as is, "directory 'name': ...".
  std::vector<std::string> tree_warnings() const;
  ~BundleSet() override;

  void read(const ChunkSpec& spec, std::span<std::byte> out) override;

  /// Where `name` is looked for: itself if absolute, else under pkgroot.
  static std::string resolve(const std::string& pkgroot, const std::string& name);

 private:
  std::vector<std::string> names_;
  std::vector<BundleIdentity> identities_;
  /// Open bundle files: those kept from the open step, and the one reopened for its turn.
  int file_for(size_t bundle);

  std::vector<io::Fd> files_;                     ///< invalid: a directory, or a file closed until its turn
  size_t reopened_ = SIZE_MAX;                    ///< the bundle open for its turn only
  std::vector<std::unique_ptr<LiveTree>> trees_;  ///< null for bundle files
  std::vector<bool> images_;
};

}  // namespace pybcast
