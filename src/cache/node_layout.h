#pragma once
// The node-local layout, named in one place (docs/design.md, "Node-local
// layout and cache"). Everything else asks here for a name or a path:
//
//   $CHROOT/                      the node-local root (default /dev/shm)
//     vnode-<g>/                  virtual node g's node root (--virtual-nodes)
//     pybcast-<uid>/              the private user root (cache/user_root)
//       cache/<key>/              a published merged prefix
//       tmp-<key>-<random>/       an extraction in progress
//       locks/<key>.lock          flock: exclusive while extracting, shared while in use
//       pycache/                  PYTHONPYCACHEPREFIX of the launched Python
//         <user root>/cache/<key>/  the entry's bytecode where that prefix looks (stage/bytecode_mirror)
//       caches/<name>/            runtime caches (Triton, Numba, ...) of the launched Python
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pybcast::layout {

inline constexpr const char* kDefaultChroot = "/dev/shm";
inline constexpr const char* kCacheDir = "cache";
inline constexpr const char* kLocksDir = "locks";
inline constexpr const char* kPycacheDir = "pycache";

/// $CHROOT, or $CHROOT/vnode-<g> for virtual node g.
std::string node_root(const std::string& chroot, bool virtual_nodes, int node_index);
/// True for a directory name node_root() gives a virtual node.
bool is_virtual_node_dir(std::string_view name);

/// "pybcast-<euid>".
std::string user_root_name();
/// node_root/pybcast-<euid> as an absolute, lexically normal path (touches nothing).
std::string user_root(const std::string& node_root);

/// user_root/cache/<key>: the staged prefix.
std::string entry_path(const std::string& user_root, const std::string& key);
/// "<key>.lock", in locks/.
std::string lock_name(const std::string& key);
std::string lock_path(const std::string& user_root, const std::string& key);
/// user_root/pycache.
std::string pycache_path(const std::string& user_root);
/// Where Python, with PYTHONPYCACHEPREFIX=pycache_path(), looks for the
/// bytecode of entry `key`'s sources: pycache/ + the entry's absolute path,
/// as components below pycache/.
std::vector<std::string> bytecode_mirror_parts(const std::string& user_root, const std::string& key);
/// user_root/caches: the runtime caches' directories (launch/node_caches).
std::string caches_path(const std::string& user_root);

/// "tmp-<key>-<random>" with a fresh random part.
std::string new_tmp_name(const std::string& key);
/// True if `name` is a tmp directory of `key`.
bool is_tmp_of(std::string_view name, const std::string& key);
/// The key of a tmp directory name; nullopt for any other name or a malformed key.
std::optional<std::string> tmp_key(std::string_view name);

}  // namespace pybcast::layout
