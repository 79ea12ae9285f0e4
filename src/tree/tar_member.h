#pragma once
// One tar member's header as pack writes it: fixed owners, 0644/0755 files,
// 0755 directories, the given mtime. Shared by bundle files (bundle_writer)
// and trees streamed as they are (tree_tar), so both extract alike.
#include <archive_entry.h>

#include <cstdint>
#include <memory>
#include <string>

#include "tree/file_set.h"

namespace pybcast {

using TarEntry = std::unique_ptr<archive_entry, void (*)(archive_entry*)>;

TarEntry make_tar_entry(const std::string& member, EntryType type, uint64_t size, bool executable,
                        const std::string& link, int64_t mtime);

}  // namespace pybcast
