#pragma once
// A directory named where a bundle is expected, staged as it is (no pack
// step): walked with pack's rules — its excludes except the bytecode ones
// (bytecode already in the tree is kept), symlinks settled, RUNPATHs inside
// the tree made $ORIGIN-relative on copies in a node-local scratch
// directory — and read once as an uncompressed tar stream. Nothing is
// written to the tree's file system.
//
// A venv (pyvenv.cfg) brings its base interpreter and standard library
// along (and, with include-system-site-packages, the base's site
// directories) and stays a venv, below venv/ (live_venv.h), so that the venv
// alone runs as it does in place. Any other directory is taken as the prefix
// it is.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bundle/manifest.h"
#include "tree/pack_source.h"
#include "tree/relink.h"
#include "tree/tree_tar.h"
#include "util/temp_dir.h"

namespace pybcast {

/// How directories are taken, the same for every directory of one staging.
struct LiveTreeOptions {
  bool excludes = true;      ///< pack's default excludes (not the bytecode ones); off for a script's directory
  uint64_t max_entries = 0;  ///< refuse a bigger tree (0: any), named as `what`
  uint64_t max_bytes = 0;
  std::string what = "directory";  ///< how messages name such a tree
  std::string raise_hint;          ///< what lifts the limits, for the message
};

struct LiveTreeWalk {
  double seconds = 0;           ///< walking and settling symlinks
  uint64_t entries = 0;         ///< files, directories and symlinks
  uint64_t bytes = 0;           ///< of regular files
  uint64_t metadata_calls = 0;  ///< path-based calls made (lstat, stat, opendir, readlink)
  bool venv = false;
};

class LiveTree {
 public:
  /// Walks `dir` (absolute); metadata only, except that a venv's python is
  /// run once to learn where its base interpreter keeps its files. `name`
  /// is the bundle's name as the user gave it.
  LiveTree(const std::string& dir, const std::string& name, const LiveTreeOptions& options = {});
  ~LiveTree();

  /// The cache key's view of the tree: every entry's path, type, size,
  /// mtime, ctime and inode, in walk order, hashed.
  const std::string& digest() const { return digest_; }
  const LiveTreeWalk& walk() const { return walk_; }
  /// Entries left out or kept in a way worth saying (FIFOs, sockets, dangling links).
  const std::vector<std::string>& warnings() const { return warnings_; }
  /// Rewrites RUNPATHs (reading the ELF files among the entries; the edited
  /// copies go below `scratch_parent`, else $TMPDIR) and lays out the tar
  /// stream; the first call does the work.
  TreeTar& stream(const std::string& scratch_parent = "");
  uint64_t files_opened() const { return stream_ ? stream_->files_opened() : 0; }
  /// The RUNPATH edits stream() made (nothing before it ran).
  const RunpathReport& runpaths() const { return runpaths_; }

 private:
  std::string dir_;
  std::string name_;
  /// Where part `part`'s member lands in the staged tree.
  std::string staged_member(size_t part, const std::string& member) const;

  std::vector<PackSource> parts_;   ///< a venv: its base python, then the venv; else the tree
  std::vector<std::string> roots_;  ///< where each part sits in the staged tree ("" or none: the root)
  std::string digest_;
  LiveTreeWalk walk_;
  std::vector<std::string> warnings_;
  std::unique_ptr<TempDir> elf_copies_;  ///< rewritten ELF files, a venv's pyvenv.cfg
  RunpathReport runpaths_;
  std::optional<TreeTar> stream_;
};

}  // namespace pybcast
