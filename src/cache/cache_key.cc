#include "cache/cache_key.h"

#include <fmt/format.h>

#include "util/hash.h"

namespace pybcast {

namespace {
// Bump when extraction semantics change, so old cache entries are not reused.
constexpr const char* kKeyVersion = "pybcast-cache-v1";
}  // namespace

std::string derive_cache_key(const std::vector<BundleIdentity>& bundles) {
  std::string text = kKeyVersion;
  text += '\n';
  for (const auto& b : bundles) text += fmt::format("{}\0{}\0{}\0{}\n", b.path, b.size, b.mtime_ns, b.inode);
  return hex128(text);
}

}  // namespace pybcast
