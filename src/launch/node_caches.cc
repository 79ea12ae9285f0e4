#include "launch/node_caches.h"

#include <filesystem>

#include "cache/node_layout.h"
#include "cache/user_root.h"
#include "util/shared_fs_advice.h"

namespace pybcast {

std::vector<CacheRedirect> plan_cache_redirects(const std::string& caches_dir,
                                                const std::function<const char*(const char*)>& getenv) {
  std::vector<CacheRedirect> out;
  for (const RuntimeCache& cache : runtime_caches()) {
    const char* value = getenv(cache.variable);
    if (value != nullptr && *value != '\0') continue;
    out.push_back({cache.variable, caches_dir + "/" + cache.dir});
  }
  return out;
}

void create_cache_dirs(const layout::NodeRoot& node_root, const std::vector<CacheRedirect>& redirects) {
  if (redirects.empty()) return;
  UserRoot root = open_user_root(node_root);
  std::string caches = layout::caches_path(root.path);
  std::string name = std::filesystem::path(caches).filename().string();
  io::Fd dir = open_private_subdir(root.fd.get(), name, caches);
  for (const auto& redirect : redirects) {
    std::filesystem::path path(redirect.path);
    if (path.parent_path() != caches) continue;  // not ours to create (a caller-chosen place)
    open_private_subdir(dir.get(), path.filename().string(), redirect.path);
  }
}

}  // namespace pybcast
