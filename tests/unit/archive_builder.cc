#include "archive_builder.h"

#include <zstd.h>

#include <stdexcept>

namespace pybcast::testing {

std::vector<std::byte> zstd_with_checksum(const std::vector<std::byte>& plain) {
  ZSTD_CCtx* c = ZSTD_createCCtx();
  ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 1);
  std::vector<std::byte> out(ZSTD_compressBound(plain.size()));
  size_t n = ZSTD_compress2(c, out.data(), out.size(), plain.data(), plain.size());
  ZSTD_freeCCtx(c);
  if (ZSTD_isError(n)) throw std::runtime_error(ZSTD_getErrorName(n));
  out.resize(n);
  return out;
}

ArchiveBuilder& ArchiveBuilder::file(const std::string& path, const std::string& data, int mode, long mtime) {
  items_.push_back({path, data, "", AE_IFREG, mode, mtime, false});
  return *this;
}

ArchiveBuilder& ArchiveBuilder::dir(const std::string& path, int mode, long mtime) {
  items_.push_back({path, "", "", AE_IFDIR, mode, mtime, false});
  return *this;
}

ArchiveBuilder& ArchiveBuilder::symlink(const std::string& path, const std::string& target) {
  items_.push_back({path, "", target, AE_IFLNK, 0777, 1700000000, false});
  return *this;
}

ArchiveBuilder& ArchiveBuilder::hardlink(const std::string& path, const std::string& target) {
  items_.push_back({path, "", target, AE_IFREG, 0644, 1700000000, true});
  return *this;
}

ArchiveBuilder& ArchiveBuilder::special(const std::string& path, unsigned type) {
  items_.push_back({path, "", "", type, 0644, 1700000000, false});
  return *this;
}

std::vector<std::byte> ArchiveBuilder::build(Filter filter) const {
  archive* a = archive_write_new();
  archive_write_set_format_pax_restricted(a);
  switch (filter) {
    case Filter::kNone: break;
    case Filter::kGzip: archive_write_add_filter_gzip(a); break;
    case Filter::kZstd: archive_write_add_filter_zstd(a); break;
    case Filter::kXz: archive_write_add_filter_xz(a); break;
    case Filter::kBzip2: archive_write_add_filter_bzip2(a); break;
    case Filter::kZstdChecked: break;
  }
  std::vector<std::byte> out;
  auto append = [](archive*, void* self, const void* data, size_t n) -> la_ssize_t {
    auto* bytes = static_cast<const std::byte*>(data);
    static_cast<std::vector<std::byte>*>(self)->insert(static_cast<std::vector<std::byte>*>(self)->end(), bytes,
                                                       bytes + n);
    return static_cast<la_ssize_t>(n);
  };
  archive_write_set_bytes_in_last_block(a, 1);
  if (archive_write_open2(a, &out, nullptr, append, nullptr, nullptr) != ARCHIVE_OK)
    throw std::runtime_error(archive_error_string(a));
  for (const auto& item : items_) {
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, item.path.c_str());
    archive_entry_set_filetype(e, item.type);
    archive_entry_set_perm(e, static_cast<mode_t>(item.mode));
    archive_entry_set_mtime(e, item.mtime, 0);
    if (item.type == AE_IFREG && !item.hard) archive_entry_set_size(e, static_cast<la_int64_t>(item.data.size()));
    if (item.type == AE_IFLNK) archive_entry_set_symlink(e, item.link.c_str());
    if (item.hard) {
      archive_entry_set_hardlink(e, item.link.c_str());
      archive_entry_set_size(e, 0);
    }
    if (archive_write_header(a, e) != ARCHIVE_OK) throw std::runtime_error(archive_error_string(a));
    if (!item.data.empty()) archive_write_data(a, item.data.data(), item.data.size());
    archive_entry_free(e);
  }
  archive_write_close(a);
  archive_write_free(a);
  if (filter == Filter::kZstdChecked) return zstd_with_checksum(out);
  return out;
}

}  // namespace pybcast::testing
