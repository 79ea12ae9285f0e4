#include "archive/member_type.h"

#include <archive_entry.h>

namespace pybcast {

MemberType member_type(archive_entry* entry) {
  const char* hardlink = archive_entry_hardlink(entry);
  if (hardlink != nullptr && *hardlink != '\0') return MemberType::hardlink;
  switch (archive_entry_filetype(entry)) {
    case AE_IFREG: return MemberType::file;
    case AE_IFDIR: return MemberType::directory;
    case AE_IFLNK: return MemberType::symlink;
    default: return MemberType::other;
  }
}

}  // namespace pybcast
