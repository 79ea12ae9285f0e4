#include "bundle/manifest_check.h"

#include <charconv>

#include <fmt/format.h>

#include "util/error.h"
#include "util/hash.h"

namespace pybcast {

const char* member_type_name(MemberType type) {
  switch (type) {
    case MemberType::file: return "a file";
    case MemberType::directory: return "a directory";
    case MemberType::symlink: return "a symlink";
    case MemberType::hardlink: return "a hard link";
    case MemberType::other: break;
  }
  return "a special file";
}

std::optional<uint64_t> parse_xxh3(std::string_view hex) {
  uint64_t value = 0;
  if (hex.size() != 16) return std::nullopt;
  auto [end, ec] = std::from_chars(hex.data(), hex.data() + hex.size(), value, 16);
  if (ec != std::errc() || end != hex.data() + hex.size()) return std::nullopt;
  return value;
}

ExpectedMember ExpectedMember::of(const ManifestEntry& entry) {
  ExpectedMember e;
  e.size = entry.size;
  if (!entry.link.empty()) {
    e.type = MemberType::symlink;
    e.link = entry.link;
  } else if (!entry.xxh3.empty()) {
    e.xxh3 = parse_xxh3(entry.xxh3);
    if (!e.xxh3) fail("manifest: '{}' has the hash '{}', not 16 hex digits", entry.path, entry.xxh3);
  }
  return e;
}

std::optional<std::string> compare_member(const ExpectedMember& want, MemberType type, uint64_t size,
                                          std::string_view link) {
  if (type != want.type)
    return fmt::format("{}, the manifest lists {}", member_type_name(type), member_type_name(want.type));
  if (type == MemberType::symlink && link != want.link)
    return fmt::format("symlink to '{}', the manifest says '{}'", link, want.link);
  if (type == MemberType::file && size != want.size)
    return fmt::format("{} bytes, the manifest says {}", size, want.size);
  return std::nullopt;
}

ManifestCheck::ManifestCheck(const Manifest& manifest) {
  auto add = [&](const std::string& path, ExpectedMember e) {
    auto [it, added] = expected_.emplace(path, Expected{std::move(e), false});
    if (!added) fail("manifest: '{}' is listed twice", path);
    order_.push_back(&it->first);
  };
  uint64_t total = 0;
  for (const auto& entry : manifest.entries) {
    total += entry.size;
    add(entry.path, ExpectedMember::of(entry));
  }
  if (manifest.files != manifest.entries.size())
    fail("manifest: says {} files but lists {}", manifest.files, manifest.entries.size());
  if (manifest.unpacked_bytes != total)
    fail("manifest: says {} bytes but its entries add up to {}", manifest.unpacked_bytes, total);
  if (manifest.dirs) {
    checks_directories_ = true;
    for (const auto& dir : *manifest.dirs) add(dir, ExpectedMember{MemberType::directory, 0, std::nullopt, ""});
  }
}

std::optional<std::string> ManifestCheck::member(const std::string& path, MemberType type, uint64_t size,
                                                 std::string_view link, std::optional<uint64_t>* xxh3) {
  if (xxh3) xxh3->reset();
  if (type == MemberType::directory && !checks_directories_) return std::nullopt;
  auto it = expected_.find(path);
  if (it == expected_.end()) return "in the bundle but not in its manifest";
  if (it->second.seen) return "appears twice in the bundle";
  it->second.seen = true;
  ++seen_;
  const ExpectedMember& want = it->second.member;
  if (auto why = compare_member(want, type, size, link)) return why;
  if (type == MemberType::file && xxh3) *xxh3 = want.xxh3;
  return std::nullopt;
}

std::vector<std::string> ManifestCheck::missing() const {
  std::vector<std::string> paths;
  if (seen_ == expected_.size()) return paths;
  for (const std::string* path : order_)
    if (!expected_.at(*path).seen) paths.push_back(*path);
  return paths;
}

std::optional<std::string> ManifestCheck::missing_summary() const {
  std::vector<std::string> paths = missing();
  if (paths.empty()) return std::nullopt;
  if (paths.size() == 1) return fmt::format("'{}' is in the manifest but not in the bundle", paths.front());
  return fmt::format("{} members of the manifest are not in the bundle, the first '{}'", paths.size(), paths.front());
}

std::optional<std::string> ManifestCheck::content(uint64_t size, uint64_t xxh3, uint64_t expected_size,
                                                  std::optional<uint64_t> expected_xxh3) {
  if (size != expected_size) return fmt::format("{} bytes, the manifest says {}", size, expected_size);
  if (expected_xxh3 && xxh3 != *expected_xxh3)
    return fmt::format("content differs from the manifest (xxh3 {}, expected {})", hex64(xxh3), hex64(*expected_xxh3));
  return std::nullopt;
}

}  // namespace pybcast
