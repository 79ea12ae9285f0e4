#include "stage/entry_check.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <map>

#include <fmt/format.h>

#include "archive/safe_path.h"
#include "bundle/manifest.h"
#include "bundle/manifest_check.h"
#include "bundle/metadata_layout.h"
#include "stage/bytecode_mirror.h"
#include "stage/stage_record.h"
#include "util/error.h"
#include "util/hash.h"
#include "util/io.h"

namespace pybcast {

namespace {

/// The text of bundle `bundle`'s staged manifest; nullopt if it has none.
std::optional<std::string> staged_manifest_text(int entry_fd, const std::string& bundle) {
  int dir = io::open_dir_path_raw(entry_fd, staged_metadata_dir(bundle), false, 0);
  if (dir == -ENOENT) return std::nullopt;
  if (dir < 0) throw_errno(staged_manifest_path(".", bundle), -dir);
  io::Fd metadata(dir);
  int fd = io::openat_raw(metadata.get(), kManifestName, O_RDONLY | O_NOFOLLOW);
  if (fd == -ENOENT) return std::nullopt;
  if (fd < 0) throw_errno(staged_manifest_path(".", bundle), -fd);
  io::Fd file(fd);
  std::string text;
  char buffer[65536];
  ssize_t n;
  while ((n = ::read(fd, buffer, sizeof buffer)) > 0) text.append(buffer, static_cast<size_t>(n));
  if (n < 0) throw_errno(staged_manifest_path(".", bundle), errno);
  return text;
}

/// A staged entry's file type in the manifest's terms.
MemberType member_type_of(mode_t mode) {
  if (S_ISREG(mode)) return MemberType::file;
  if (S_ISDIR(mode)) return MemberType::directory;
  if (S_ISLNK(mode)) return MemberType::symlink;
  return MemberType::other;
}

/// The xxh3 and size of the file `name` below `parent`, read to its end.
std::optional<std::string> hash_file(int parent, const std::string& name, uint64_t& size, uint64_t& xxh3) {
  int fd = io::openat_raw(parent, name.c_str(), O_RDONLY | O_NOFOLLOW);
  if (fd < 0) return fmt::format("cannot open ({})", std::strerror(-fd));
  io::Fd file(fd);
  StreamHash hash;
  std::vector<std::byte> buffer(1 << 20);
  size = 0;
  for (;;) {
    ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fmt::format("cannot read ({})", std::strerror(errno));
    if (n == 0) break;
    hash.update({buffer.data(), static_cast<size_t>(n)});
    size += static_cast<uint64_t>(n);
  }
  xxh3 = hash.digest();
  return std::nullopt;
}

/// Why the member at `entry.path` differs from the manifest, in the words
/// staging and `inspect --verify` use (bundle/manifest_check); nullopt if it does not.
std::optional<std::string> compare(int entry_fd, const ManifestEntry& entry) {
  ExpectedMember want = ExpectedMember::of(entry);
  PathParts parts = split_member_path(entry.path);
  if (parts.empty()) return "not a member path";
  std::string name = parts.back();
  parts.pop_back();
  int dir = io::open_dir_path_raw(entry_fd, parts, false, 0);
  if (dir < 0) return fmt::format("missing ({})", std::strerror(-dir));
  io::Fd parent(dir);
  struct stat st {};
  if (!io::lstatat(parent.get(), name, st, entry.path)) return fmt::format("missing ({})", std::strerror(ENOENT));
  MemberType type = member_type_of(st.st_mode);
  std::string target;
  if (type == MemberType::symlink) {
    std::vector<char> buffer(PATH_MAX + 1);
    ssize_t n = ::readlinkat(parent.get(), name.c_str(), buffer.data(), buffer.size());
    if (n < 0) return fmt::format("cannot read the symlink ({})", std::strerror(errno));
    target.assign(buffer.data(), static_cast<size_t>(n));
  }
  if (auto why = compare_member(want, type, static_cast<uint64_t>(st.st_size), target)) return why;
  if (type != MemberType::file) return std::nullopt;
  uint64_t size = 0, xxh3 = 0;
  if (auto why = hash_file(parent.get(), name, size, xxh3)) return why;
  // Trees staged as they are carry sizes only: there is nothing to compare the hash with.
  return ManifestCheck::content(size, xxh3, want.size, want.xxh3);
}

}  // namespace

ContentCheck check_entry_content(int entry_fd, const std::vector<std::string>& bundles) {
  ContentCheck check;
  // path -> the entry of the last bundle (with a manifest) that has it; a
  // bundle without one may have replaced anything before it.
  std::map<std::string, ManifestEntry> expected;
  for (const auto& bundle : bundles) {
    std::optional<std::string> text = staged_manifest_text(entry_fd, bundle);
    if (!text) {
      check.unverifiable.push_back(bundle);
      expected.clear();
      continue;
    }
    Manifest manifest;
    try {
      manifest = parse_manifest(*text);
    } catch (const Error& e) {
      throw e.with_context(staged_manifest_path(".", bundle));
    }
    for (auto& entry : manifest.entries) {
      entry.path = staged_member_path(bundle, entry.path);  // a caches bundle's .pybcast/caches/...
      expected[entry.path] = std::move(entry);
    }
  }
  for (const auto& [path, entry] : expected) {
    ++check.files;
    std::optional<std::string> why;
    try {
      why = compare(entry_fd, entry);
    } catch (const Error& e) {
      why = e.what();
    }
    if (why) {
      if (check.problems.size() < ContentCheck::kMaxListedProblems) check.problems.push_back(path + ": " + *why);
      ++check.problem_count;
    }
  }
  return check;
}

namespace {

/// check_staged_entry with the entry's record already read.
ContentCheck check_entry_and_mirror(int entry_fd, int mirror_fd, const StageRecord& record) {
  ContentCheck check = check_entry_content(entry_fd, record.plan.names);
  if (mirror_fd < 0) {
    if (record.bytecode_linked > 0) {
      check.problems.push_back("bytecode mirror: missing");
      ++check.problem_count;
    }
    return check;
  }
  MirrorCheck mirror =
      check_mirror_links(entry_fd, mirror_fd, record.bytecode_linked, ContentCheck::kMaxListedProblems);
  check.files += mirror.files;
  check.problem_count += mirror.problem_count;
  for (auto& p : mirror.problems)
    if (check.problems.size() < ContentCheck::kMaxListedProblems) check.problems.push_back(std::move(p));
  return check;
}

}  // namespace

ContentCheck check_staged_entry(int entry_fd, int mirror_fd, const std::string& shown) {
  return check_entry_and_mirror(entry_fd, mirror_fd, read_stage_record(entry_fd, shown));
}

std::optional<std::string> check_published_entry(int entry_fd, int mirror_fd, const std::string& shown,
                                                 const std::string& key, bool verify_content,
                                                 std::vector<std::string>& unverified) {
  StageRecord record;
  try {
    record = read_stage_record(entry_fd, shown);
    if (record.plan.key != key) return fmt::format("holds the stage record of key {}", record.plan.key);
  } catch (const Error& e) {
    return fmt::format("has no usable stage record ({})", e.what());
  }
  if (record.bytecode_linked > 0)
    if (auto why = check_mirror_identity(mirror_fd, record.bytecode_mirror_inode)) return why;
  if (!verify_content) return std::nullopt;
  ContentCheck check = check_entry_and_mirror(entry_fd, mirror_fd, record);
  for (const auto& bundle : check.unverifiable) unverified.push_back(bundle);
  if (check.problem_count == 0) return std::nullopt;
  return fmt::format(
      "was changed after staging ({} of {} files differ from the bundles' manifests or the entry; "
      "first: {})",
      check.problem_count, check.files, check.problems.front());
}

}  // namespace pybcast
