#pragma once
// The steps that make a gathered tree fit to leave its machine, shared by
// `pybcast pack` (pack/packer.cc) and directories staged as they are
// (tree/live_tree.cc), so both settle links and rewrite RUNPATHs alike and
// say so in the same words. Live trees run them at different times (links
// while walking, RUNPATHs only when some node extracts), hence two steps.
#include <functional>
#include <string>
#include <vector>

#include "bundle/manifest.h"
#include "tree/pack_source.h"
#include "tree/relink.h"
#include "util/temp_dir.h"

namespace pybcast {

/// The directory the files were installed in, absolute ("" when unknown).
std::string source_prefix(const PackSource& source);

/// Applies the symlink rules (relink.h) and says what became of the links in
/// source.notes and source.warnings; returns what the manifest records.
ManifestLinks settle_links(PackSource& source);

/// Makes RUNPATH/RPATH entries inside the source prefix $ORIGIN-relative, on
/// copies below `scratch`, and says so in source.notes and source.warnings.
/// Only the files `may_be_elf` accepts are read (all when empty).
RunpathReport relocate_runpaths(PackSource& source, const TempDir& scratch,
                                const std::function<bool(const PackEntry&)>& may_be_elf = {});

/// "a, b, c and 4 more": the first few of a list, for one-line messages.
std::string list_examples(const std::vector<std::string>& items);

}  // namespace pybcast
