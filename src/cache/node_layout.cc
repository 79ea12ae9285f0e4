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

bool is_key(std::string_view s) {
  return s.size() == kKeyLength && s.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}
bool is_numbered(std::string_view s, std::string_view prefix) {
  return s.size() > prefix.size() && s.starts_with(prefix) &&
         s.substr(prefix.size()).find_first_not_of("0123456789") == std::string_view::npos;
}
}  // namespace

std::string virtual_node_name(int node_index) { return fmt::format("{}{}", kVirtualNodePrefix, node_index); }

std::optional<int> virtual_node_index(std::string_view name) {
  if (!is_numbered(name, kVirtualNodePrefix) || name.size() > kVirtualNodePrefix.size() + 9) return std::nullopt;
  return std::stoi(std::string(name.substr(kVirtualNodePrefix.size())));
}

std::string user_root_name() { return fmt::format("pybcast-{}", geteuid()); }

std::string user_root(const NodeRoot& where) {
  std::filesystem::path root = std::filesystem::absolute(where.chroot) / user_root_name();
  if (where.virtual_node) root /= virtual_node_name(*where.virtual_node);
  return root.lexically_normal().string();
}

std::string image_entry_path(const std::string& user_root, const std::string& key) {
  return fmt::format("{}/{}/{}", user_root, kImagesDir, key);
}

std::string entry_path(const std::string& user_root, const std::string& key) {
  return fmt::format("{}/{}/{}", user_root, kCacheDir, key);
}

std::string image_mount_name(const std::string& key, int slot) {
  return slot == 0 ? key : fmt::format("{}.{}", key, slot);
}

std::optional<std::string> extra_mount_key(std::string_view name) {
  size_t dot = name.find('.');
  if (dot == std::string_view::npos || !is_key(name.substr(0, dot))) return std::nullopt;
  std::string_view slot = name.substr(dot + 1);
  if (slot.empty() || slot.size() > 2 || slot[0] == '0' || slot.find_first_not_of("0123456789") != slot.npos ||
      std::stoi(std::string(slot)) >= kImageMountSlots)
    return std::nullopt;
  return std::string(name.substr(0, dot));
}

std::string mount_lock_name(const std::string& key) { return key + ".mount"; }

std::optional<std::string> path_in_some_entry(const std::string& path) {
  std::vector<std::string> parts;
  for (const auto& part : std::filesystem::path(path).lexically_normal()) parts.push_back(part.string());
  if (!parts.empty() && parts.back().empty()) parts.pop_back();  // a trailing '/'
  for (size_t i = 0; i < parts.size(); ++i) {
    if (!is_numbered(parts[i], "pybcast-")) continue;
    size_t at = i + 1;
    if (at < parts.size() && is_numbered(parts[at], kVirtualNodePrefix)) ++at;
    if (at + 1 >= parts.size() || parts[at] != kCacheDir || !is_key(parts[at + 1])) continue;
    std::filesystem::path rest;
    for (size_t j = at + 2; j < parts.size(); ++j) rest /= parts[j];
    return rest.string();
  }
  return std::nullopt;
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
  if (!is_key(key)) return std::nullopt;
  return std::string(key);
}

}  // namespace pybcast::layout
