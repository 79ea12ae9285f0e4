#pragma once
// What kind of member a libarchive entry is, in the manifest's terms.
#include "bundle/manifest_check.h"

struct archive_entry;

namespace pybcast {

/// A hard link (any type with a link target), a file, a directory, a symlink, or other.
MemberType member_type(archive_entry* entry);

}  // namespace pybcast
