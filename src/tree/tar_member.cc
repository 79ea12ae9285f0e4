#include "tree/tar_member.h"

namespace pybcast {

TarEntry make_tar_entry(const std::string& member, EntryType type, uint64_t size, bool executable,
                        const std::string& link, int64_t mtime) {
  TarEntry e(archive_entry_new(), archive_entry_free);
  archive_entry_set_pathname_utf8(e.get(), member.c_str());
  archive_entry_set_mtime(e.get(), mtime, 0);
  archive_entry_set_uid(e.get(), 0);
  archive_entry_set_gid(e.get(), 0);
  switch (type) {
    case EntryType::file:
      archive_entry_set_filetype(e.get(), AE_IFREG);
      archive_entry_set_perm(e.get(), executable ? 0755 : 0644);
      archive_entry_set_size(e.get(), static_cast<la_int64_t>(size));
      break;
    case EntryType::directory:
      archive_entry_set_filetype(e.get(), AE_IFDIR);
      archive_entry_set_perm(e.get(), 0755);
      break;
    case EntryType::symlink:
      archive_entry_set_filetype(e.get(), AE_IFLNK);
      archive_entry_set_perm(e.get(), 0777);
      archive_entry_set_symlink_utf8(e.get(), link.c_str());
      break;
  }
  return e;
}

}  // namespace pybcast
