#include "pack/bundle_reader.h"

#include <archive.h>
#include <archive_entry.h>

#include <cerrno>
#include <memory>
#include <optional>

#include "archive/decoded_file.h"
#include "archive/member_type.h"
#include "archive/writer_pool.h"
#include "bundle/manifest_check.h"
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
