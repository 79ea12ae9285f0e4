#pragma once
// The node-local layout, named in one place (docs/design.md, "Node-local
// layout and cache"). Everything else asks here for a name or a path:
//
//   $CHROOT/                      the node-local root (default /dev/shm)
//     pybcast-<uid>/              the private user root (cache/user_root)
//       vnode-<g>/                virtual node g's user root (--virtual-nodes),
//                                 inside ours so that no other user can touch it;
//                                 the same layout as pybcast-<uid>/ below
//       cache/<key>/              a published merged prefix; for an image bundle, where
//                                 a job step mounts the image (stage/image_mount)
//       cache/<key>.<n>/          where a further step on the node mounts the same image
//                                 while the first still runs (n = 1 .. kImageMountSlots-1)
//       images/<key>/             an image bundle's entry: image.sqfs and .pybcast/stage.json
//       tmp-<key>-<random>/       an extraction in progress
//       locks/<key>.lock          flock: exclusive while extracting, shared while in use
//       locks/<key>.mount         flock: exclusive while a step picks and mounts its slot
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
inline constexpr const char* kImagesDir = "images";
inline constexpr const char* kImageFile = "image.sqfs";

/// Where a rank's user root is: the configured CHROOT and, for virtual-node
/// runs, the node's index.
struct NodeRoot {
  std::string chroot;
  std::optional<int> virtual_node = std::nullopt;
};

/// "vnode-<g>".
std::string virtual_node_name(int node_index);
/// g for a name virtual_node_name() gives; nullopt for any other name.
std::optional<int> virtual_node_index(std::string_view name);

/// "pybcast-<euid>".
std::string user_root_name();
/// $CHROOT/pybcast-<euid>[/vnode-<g>] as an absolute, lexically normal path (touches nothing).
std::string user_root(const NodeRoot& where);

/// user_root/cache/<key>: the staged prefix.
std::string entry_path(const std::string& user_root, const std::string& key);
/// user_root/images/<key>: an image bundle's entry (the image and its stage record).
std::string image_entry_path(const std::string& user_root, const std::string& key);
/// For a path inside some user's published entry (any CHROOT, any virtual
/// node: .../pybcast-<uid>/[vnode-<g>/]cache/<key>[/rest]), the path relative
/// to that entry ("" for the entry itself); nullopt for any other path. Lets a
/// later stage recognise what an earlier `stage --print-env` exported.
std::optional<std::string> path_in_some_entry(const std::string& path);
/// How many job steps on one node may mount the same image at once: the
/// first at cache/<key>, the others at cache/<key>.<n>. Each step has its own
/// mount (and server), so that one step's end never takes another's files.
inline constexpr int kImageMountSlots = 8;
/// "<key>" for slot 0, "<key>.<n>" for slot n >= 1.
std::string image_mount_name(const std::string& key, int slot);
/// The key of a name image_mount_name() gives for a slot >= 1; nullopt for any other name.
std::optional<std::string> extra_mount_key(std::string_view name);
/// "<key>.mount", in locks/.
std::string mount_lock_name(const std::string& key);
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
