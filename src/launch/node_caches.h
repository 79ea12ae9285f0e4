#pragma once
// The runtime caches of the launched Python (TRITON_CACHE_DIR, ... listed in
// util/shared_fs_advice) kept on the node: each one the user has not set
// points at <user root>/caches/<name>, one directory per node shared by its
// ranks. Per node is enough for each of them, since none needs a private
// directory per process (each is already shared by every process of the user
// when it sits in $HOME, its default):
//   triton         TRITON_CACHE_DIR: writes to a temporary file, then os.replace
//   torchinductor  TORCHINDUCTOR_CACHE_DIR: write_atomic (temporary file + rename), file locks for builds
//   numba          NUMBA_CACHE_DIR: index and data written to a temporary file, then os.replace
//   cupy           CUPY_CACHE_DIR: kernels written to a temporary file, then os.replace
//   matplotlib     MPLCONFIGDIR: only the font cache is written (under a lock); note that a
//                  matplotlibrc in ~/.config/matplotlib is then not read (MATPLOTLIBRC still is)
//   xdg            XDG_CACHE_HOME: its users (pip, fontconfig, ...) share it between the
//                  processes of a desktop session, so they cope with concurrent writers
#include <functional>
#include <string>
#include <utility>

#include "cache/node_layout.h"
#include <vector>

namespace pybcast {

struct CacheRedirect {
  std::string variable;  ///< "TRITON_CACHE_DIR"
  std::string path;      ///< caches_dir/<name>
};

/// The runtime caches the user has not set (unset or empty), each pointed at
/// caches_dir/<name>. A cache the user set is kept as it is. Pure.
std::vector<CacheRedirect> plan_cache_redirects(const std::string& caches_dir,
                                                const std::function<const char*(const char*)>& getenv);

/// Creates node_root's <user root>/caches/ and each redirect's directory,
/// 0700, through the validated user root (never through a path another user
/// could have swapped). Idempotent; ranks of one node may call it at once.
/// Throws Error naming the directory.
void create_cache_dirs(const layout::NodeRoot& node_root, const std::vector<CacheRedirect>& redirects);

}  // namespace pybcast
