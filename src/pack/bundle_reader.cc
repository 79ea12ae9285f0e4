#include "pack/bundle_reader.h"

#include <archive.h>
#include <archive_entry.h>

#include <cerrno>
#include <map>
#include <memory>
#include <optional>

#include "archive/decoded_file.h"
#include "archive/member_type.h"
#include "archive/safe_path.h"
#include "archive/writer_pool.h"
#include "bundle/manifest_check.h"
#include "bundle/metadata_layout.h"
#include "tree/file_set.h"
#include "util/error.h"
#include "util/hash.h"

namespace pybcast {

namespace {

constexpr size_t kMaxManifestBytes = size_t{256} << 20;
constexpr size_t kBlockBytes = size_t{1} << 20;

/// Threads that decode zstd frames for a reader of the whole bundle, besides
/// its own, which parses and hashes: staging's default less that one, and
/// none on 2 cores, where a pool thread only competes with it (measured on
/// 2 cores: no gain over streaming, as for staging's pool, docs/design.md).
unsigned frame_pool_threads() {
  unsigned cores = default_extract_threads();
  return cores > 2 ? cores - 1 : 0;
}

/// libarchive parses the tar; the bytes come from DecodedFile, the decoder
/// staging uses, so a bundle is refused for the same damage in the same
/// words whether it is staged or inspected.
class BundleReader {
 public:
  explicit BundleReader(const std::string& path, unsigned frame_threads = 0) : path_(path), block_(kBlockBytes) {
    try {
      file_.emplace(path, frame_threads);
    } catch (const Error& e) {
      throw e.with_context(path);
    }
    archive_read_support_format_tar(a_.get());
    if (archive_read_open2(a_.get(), this, nullptr, &BundleReader::read, nullptr, nullptr) != ARCHIVE_OK)
      error("cannot open");
  }

  /// The next member, or nullptr at the end.
  archive_entry* next() {
    archive_entry* e = nullptr;
    int rc = archive_read_next_header(a_.get(), &e);
    if (rc == ARCHIVE_EOF) return nullptr;
    if (rc < ARCHIVE_WARN) error("cannot read");
    return e;
  }

  /// Member name without "./" or a trailing "/".
  static std::string name(archive_entry* e) {
    std::string n = archive_entry_pathname(e) ? archive_entry_pathname(e) : "";
    while (n.starts_with("./")) n.erase(0, 2);
    while (!n.empty() && n.back() == '/') n.pop_back();
    return n;
  }

  template <typename Visit>
  void data(Visit visit) {
    const void* block = nullptr;
    size_t size = 0;
    la_int64_t offset = 0;
    int rc;
    while ((rc = archive_read_data_block(a_.get(), &block, &size, &offset)) == ARCHIVE_OK)
      visit(static_cast<const char*>(block), size);
    if (rc != ARCHIVE_EOF) error("cannot read");
  }

  /// Writes the current member below `dir`.
  void extract_to(archive* disk, archive_entry* e, const std::string& dir) {
    std::optional<std::string> member = normalize_member(name(e));
    if (!member || member->empty())
      fail("{}: member '{}' is absolute or climbs out; refusing to unpack", path_, name(e));
    std::string target = dir + "/" + *member;
    archive_entry_set_pathname(e, target.c_str());
    if (archive_write_header(disk, e) < ARCHIVE_WARN) error_of(disk, "cannot unpack");
    if (archive_entry_size(e) > 0) {
      const void* block = nullptr;
      size_t size = 0;
      la_int64_t offset = 0;
      int rc;
      while ((rc = archive_read_data_block(a_.get(), &block, &size, &offset)) == ARCHIVE_OK)
        if (archive_write_data_block(disk, block, size, offset) < ARCHIVE_WARN) error_of(disk, "cannot unpack");
      if (rc != ARCHIVE_EOF) error("cannot read");
    }
    if (archive_write_finish_entry(disk) < ARCHIVE_WARN) error_of(disk, "cannot unpack");
  }

  /// After the last member: decodes the rest of the file, which must be whole.
  void finish() {
    try {
      file_->read_to_end();
    } catch (const Error& e) {
      throw e.with_context(path_);
    }
  }

  std::string manifest_text() {
    archive_entry* e = next();
    if (e == nullptr || name(e) != kManifestMember || archive_entry_filetype(e) != AE_IFREG)
      fail("{}: no {} as its first member (not made by pybcast pack?)", path_, kManifestMember);
    if (archive_entry_size(e) > static_cast<la_int64_t>(kMaxManifestBytes)) fail("{}: manifest is too large", path_);
    std::string text;
    data([&](const char* p, size_t n) { text.append(p, n); });
    return text;
  }

 private:
  static la_ssize_t read(archive* a, void* self, const void** buffer) {
    auto* reader = static_cast<BundleReader*>(self);
    try {
      *buffer = reader->block_.data();
      return static_cast<la_ssize_t>(reader->file_->read(reader->block_));
    } catch (const std::exception& e) {  // never through libarchive's C frames
      reader->decode_error_ = e.what();
      archive_set_error(a, EIO, "%s", e.what());
      return ARCHIVE_FATAL;
    }
  }

  /// The decoder's verdict comes first, as in staging: what the tar parser
  /// choked on may be what the decoder is about to refuse.
  [[noreturn]] void error(const char* what) {
    if (!decode_error_) finish_quietly();
    if (decode_error_) fail("{}: {}", path_, *decode_error_);
    error_of(a_.get(), what);
  }
  void finish_quietly() {
    try {
      file_->read_to_end();
    } catch (const std::exception& e) {
      decode_error_ = e.what();
    }
  }
  [[noreturn]] void error_of(archive* a, const char* what) {
    const char* why = archive_error_string(a);
    fail("{}: {}: {}", path_, what, why ? why : "unknown error");
  }

  std::string path_;
  std::optional<DecodedFile> file_;
  std::vector<std::byte> block_;
  std::optional<std::string> decode_error_;
  std::unique_ptr<archive, int (*)(archive*)> a_{archive_read_new(), archive_read_free};
};

Manifest parse_for(const std::string& bundle, const std::string& text) {
  try {
    return parse_manifest(text);
  } catch (const Error& e) {
    throw e.with_context(bundle);
  }
}

}  // namespace

std::string read_manifest_text(const std::string& bundle) {
  BundleReader reader(bundle);
  return reader.manifest_text();
}

void extract_bundle(const std::string& bundle, const std::string& dir) {
  BundleReader reader(bundle, frame_pool_threads());
  std::unique_ptr<archive, int (*)(archive*)> disk(archive_write_disk_new(), archive_write_free);
  // Names are checked (and made absolute below `dir`) by extract_to.
  archive_write_disk_set_options(
      disk.get(), ARCHIVE_EXTRACT_SECURE_SYMLINKS | ARCHIVE_EXTRACT_SECURE_NODOTDOT | ARCHIVE_EXTRACT_PERM);
  while (archive_entry* e = reader.next()) reader.extract_to(disk.get(), e, dir);
  reader.finish();
}

namespace {

/// Staging's rules for one member; its normal name. Throws naming bundle and member.
std::string checked_member(const std::string& bundle, archive_entry* e, std::vector<std::string>& escaping) {
  std::string name = BundleReader::name(e);
  try {
    PathParts parts = split_member_path(name);
    MemberType type = member_type(e);
    if (type == MemberType::other) fail("is a device, FIFO or socket ({:o}); refusing it", archive_entry_filetype(e));
    if (type == MemberType::hardlink) split_member_path(archive_entry_hardlink(e) ? archive_entry_hardlink(e) : "");
    if (type == MemberType::symlink) {
      const char* target = archive_entry_symlink(e);
      if (symlink_escapes(parts, target ? target : "")) escaping.push_back(name + " -> " + (target ? target : ""));
    }
    return join_parts(parts);
  } catch (const Error& error) {
    fail("{}: member '{}': {}", bundle, shown_name(name), error.what());
  }
}

/// Where staging keeps a bundle's own `.pybcast/` member.
std::string staged_name(const std::string& member, const std::string& bundle_name) {
  std::string prefix = std::string(kMetadataDir) + "/";
  if (!member.starts_with(prefix)) return member;
  return join_parts(staged_metadata_dir(bundle_name)) + "/" + member.substr(prefix.size());
}

}  // namespace

std::vector<std::string> write_merged_tar(const std::vector<std::pair<std::string, std::string>>& bundles_and_names,
                                          const std::vector<std::pair<std::string, std::string>>& extra_members,
                                          int fd) {
  // Pass 1: the rules, and which bundle each name comes from (the last).
  std::map<std::string, size_t> last;
  std::vector<std::string> escaping;
  for (size_t i = 0; i < bundles_and_names.size(); ++i) {
    const auto& [bundle, name] = bundles_and_names[i];
    BundleReader reader(bundle, frame_pool_threads());
    while (archive_entry* e = reader.next()) {
      std::string member = checked_member(bundle, e, escaping);
      if (member.empty() || member == kMetadataDir) continue;  // the root; .pybcast/ itself
      last[staged_name(member, name)] = i;
    }
    reader.finish();
  }
  std::unique_ptr<archive, int (*)(archive*)> out(archive_write_new(), archive_write_free);
  archive_write_set_format_pax_restricted(out.get());
  archive_write_set_bytes_in_last_block(out.get(), 1);
  if (archive_write_open_fd(out.get(), fd) != ARCHIVE_OK) fail("cannot write the merged tar stream");
  auto write_failed = [&] {
    const char* why = archive_error_string(out.get());
    fail("cannot write the merged tar stream: {}", why ? why : "unknown error");
  };
  for (const auto& [member, content] : extra_members) {
    std::unique_ptr<archive_entry, void (*)(archive_entry*)> e(archive_entry_new(), archive_entry_free);
    archive_entry_set_pathname(e.get(), member.c_str());
    archive_entry_set_filetype(e.get(), AE_IFREG);
    archive_entry_set_perm(e.get(), 0644);
    archive_entry_set_size(e.get(), static_cast<la_int64_t>(content.size()));
    if (archive_write_header(out.get(), e.get()) != ARCHIVE_OK) write_failed();
    if (archive_write_data(out.get(), content.data(), content.size()) < 0) write_failed();
  }
  // Pass 2: each member from the last bundle that has it.
  for (size_t i = 0; i < bundles_and_names.size(); ++i) {
    const auto& [bundle, name] = bundles_and_names[i];
    BundleReader reader(bundle, frame_pool_threads());
    while (archive_entry* e = reader.next()) {
      std::string member = BundleReader::name(e);
      std::string normal = staged_name(member.empty() ? member : join_parts(split_member_path(member)), name);
      auto it = last.find(normal);
      if (it == last.end() || it->second != i) continue;
      archive_entry_set_pathname(e, normal.c_str());
      if (const char* link = archive_entry_hardlink(e))
        archive_entry_set_hardlink(e, staged_name(join_parts(split_member_path(link)), name).c_str());
      archive_entry_set_perm(e, archive_entry_perm(e) & 07777 & ~06000);  // setuid/setgid dropped, as staging does
      if (archive_write_header(out.get(), e) != ARCHIVE_OK) write_failed();
      reader.data([&](const char* p, size_t n) {
        if (archive_write_data(out.get(), p, n) < 0) write_failed();
      });
    }
    reader.finish();
  }
  if (archive_write_close(out.get()) != ARCHIVE_OK) write_failed();
  return escaping;
}

VerifyReport verify_bundle(const std::string& bundle) {
  BundleReader reader(bundle, frame_pool_threads());
  VerifyReport report;
  report.manifest_text = reader.manifest_text();
  report.manifest = parse_for(bundle, report.manifest_text);
  std::optional<ManifestCheck> check;
  try {
    check.emplace(report.manifest);
  } catch (const Error& e) {
    report.problems.push_back(e.what());
    return report;
  }
  auto& problems = report.problems;
  while (archive_entry* e = reader.next()) {
    std::string name = BundleReader::name(e);
    MemberType type = member_type(e);
    if (type != MemberType::directory) ++report.checked;
    std::string target = type == MemberType::symlink && archive_entry_symlink(e) ? archive_entry_symlink(e) : "";
    std::optional<uint64_t> xxh3;
    std::optional<std::string> why =
        check->member(name, type, static_cast<uint64_t>(archive_entry_size(e)), target, &xxh3);
    if (!why && type == MemberType::file) {
      StreamHash hash;
      uint64_t size = 0;
      reader.data([&](const char* p, size_t n) {
        hash.update(std::as_bytes(std::span(p, n)));
        size += n;
      });
      why = ManifestCheck::content(size, hash.digest(), static_cast<uint64_t>(archive_entry_size(e)), xxh3);
    }
    if (why) problems.push_back(fmt::format("{}: {}", name, *why));
  }
  reader.finish();
  for (const auto& name : check->missing())
    problems.push_back(fmt::format("{}: in the manifest but not in the bundle", name));
  return report;
}

}  // namespace pybcast
