#include "cache/node_layout.h"

#include <unistd.h>

#include <filesystem>
#include <random>

#include <fmt/format.h>

namespace pybcast::layout {

namespace {
constexpr std::string_view kVirtualNodePrefix = "vnode-";
constexpr std::string_view kTmpPrefix = "tmp-";
constexpr size_t kKeyLength = 32;  // xxh3-128 in hex (cache/cache_key)
}  // namespace

std::string node_root(const std::string& chroot, bool virtual_nodes, int node_index) {
  if (!virtual_nodes) return chroot;
  return fmt::format("{}/{}{}", chroot, kVirtualNodePrefix, node_index);
}

bool is_virtual_node_dir(std::string_view name) { return name.starts_with(kVirtualNodePrefix); }

std::string user_root_name() { return fmt::format("pybcast-{}", geteuid()); }

std::string user_root(const std::string& node_root) {
  return (std::filesystem::absolute(node_root) / user_root_name()).lexically_normal().string();
}

std::string entry_path(const std::string& user_root, const std::string& key) {
  return fmt::format("{}/{}/{}", user_root, kCacheDir, key);
}

std::string lock_name(const std::string& key) { return key + ".lock"; }

std::string lock_path(const std::string& user_root, const std::string& key) {
  return fmt::format("{}/{}/{}", user_root, kLocksDir, lock_name(key));
}

std::string pycache_path(const std::string& user_root) { return user_root + "/" + kPycacheDir; }

std::vector<std::string> bytecode_mirror_parts(const std::string& user_root, const std::string& key) {
  std::vector<std::string> parts;
  for (const auto& part : std::filesystem::path(entry_path(user_root, key)).relative_path())
    parts.push_back(part.string());
  return parts;
}

std::string caches_path(const std::string& user_root) { return user_root + "/caches"; }

std::string new_tmp_name(const std::string& key) {
  std::random_device random;
  return fmt::format("{}{}-{:08x}{:08x}", kTmpPrefix, key, random(), random());
}

bool is_tmp_of(std::string_view name, const std::string& key) {
  return name.starts_with(kTmpPrefix) && name.substr(kTmpPrefix.size()).starts_with(key + "-");
}

std::optional<std::string> tmp_key(std::string_view name) {
  if (!name.starts_with(kTmpPrefix)) return std::nullopt;
  std::string_view rest = name.substr(kTmpPrefix.size());
  std::string_view key = rest.substr(0, rest.find('-'));
  if (key.size() != kKeyLength || key.find_first_not_of("0123456789abcdef") != std::string_view::npos)
    return std::nullopt;
  return std::string(key);
}

}  // namespace pybcast::layout
