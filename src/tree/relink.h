#pragma once
// Makes a bundle's tree reach nothing off the node (link_rules.h decides):
// member symlinks that leave the packed set become absolute links into
// system directories or are replaced by their targets, and ELF RUNPATH/RPATH
// entries inside the source prefix become $ORIGIN-relative, on copies
// edited in place where the new text fits (util/elf_search_path_edit.h),
// else rewritten by patchelf (the sources are never touched).
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "tree/file_set.h"
#include "util/temp_dir.h"

namespace pybcast {

struct LinkReport {
  uint64_t inside = 0;                      ///< kept: they land inside the bundle
  uint64_t system = 0;                      ///< absolute links into system directories
  uint64_t replaced = 0;                    ///< replaced by the file or tree they pointed at
  uint64_t dangling = 0;                    ///< kept as they are, pointing at nothing
  std::vector<std::string> system_links;    ///< "member -> /usr/lib/..."
  std::vector<std::string> replaced_links;  ///< "member -> where its content came from"
  std::vector<std::string> dangling_links;  ///< "member -> target"
  std::vector<std::string> warnings;
};

/// Applies the symlink rules to every symlink of `files`, and to those that
/// replaced directory trees bring in.
LinkReport settle_symlinks(FileSet& files);

struct RunpathReport {
  uint64_t rewritten = 0;            ///< ELF files packed from a rewritten copy
  uint64_t by_patchelf = 0;          ///< of them, rewritten by a patchelf process (the new text is longer)
  double seconds = 0;                ///< reading ELF headers, copying and editing
  std::vector<std::string> outside;  ///< "/sw/lib (in lib/x.so)": searched from every rank at run time
};

/// Rewrites the RUNPATH/RPATH of every ELF file of `files` whose entries
/// point inside `prefix` (or are empty or relative), on copies in `scratch`,
/// and packs the copies under the original member names. Throws Error when
/// a rewrite needs patchelf and patchelf is not on PATH. Only the files
/// `may_be_elf` accepts are opened (all when it is empty).
RunpathReport rewrite_runpaths(FileSet& files, const std::string& prefix, const TempDir& scratch,
                               const std::function<bool(const PackEntry&)>& may_be_elf = {});

}  // namespace pybcast
