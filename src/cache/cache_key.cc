#include "cache/cache_key.h"

#include <fmt/format.h>

#include "util/hash.h"

namespace pybcast {

namespace {
// Bump when extraction semantics change, so old cache entries are not reused.
// v2: ctime and device in the key; entries carry their bytecode mirror (stage/bytecode_mirror).
// v3: no device; directories' entries' ctimes; entries verified against their manifests while
// extracted; read-only bytecode mirrors recorded in the stage record.
constexpr const char* kKeyVersion = "pybcast-cache-v3";
}  // namespace

std::string derive_cache_key(const std::vector<BundleIdentity>& bundles) {
  std::string text = kKeyVersion;
  text += '\n';
  // Length-prefixed path, so no path can mimic another field.
  for (const auto& b : bundles)
    text += fmt::format("{}:{} size={} mtime_ns={} inode={} ctime_ns={}{}\n", b.path.size(), b.path, b.size, b.mtime_ns,
                        b.inode, b.ctime_ns, b.tree.empty() ? "" : " tree=" + b.tree);
  return hex128(text);
}

}  // namespace pybcast
