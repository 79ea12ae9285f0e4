#pragma once
// Sets or removes an ELF file's DT_RUNPATH/DT_RPATH in place, byte for byte
// as patchelf 0.14 does when the new text fits where the old one was: no
// process per file, which is what staging a directory of shared libraries
// spends its time on otherwise. A longer text needs a bigger string table,
// which is patchelf's job (the caller falls back to it).
#include <string>

#include "util/elf_deps.h"

namespace pybcast {

/// Sets the search path of `path` (read earlier as `dyn`) to `value`; an
/// empty `value` removes the tag, shifting the later dynamic entries down
/// (patchelf --remove-rpath). Same bytes as `patchelf --set-rpath value`
/// (with --force-rpath for a DT_RPATH): the old text is overwritten with
/// the new one and its NUL, the rest of it with 'X'. False, with the file
/// untouched, where that cannot be done in place: a longer `value`, both
/// tags present (patchelf converts one into the other), neither present.
bool edit_search_path_in_place(const std::string& path, const ElfDynamic& dyn, const std::string& value);

}  // namespace pybcast
