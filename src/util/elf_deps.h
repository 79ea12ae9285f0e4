#pragma once
// Reads the dynamic section of an ELF file: which shared libraries it needs
// and where it asks the loader to look. Enough to tell whether an extension
// module would load a library from the shared file system.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace pybcast {

struct ElfDynamic {
  std::vector<std::string> needed;   ///< DT_NEEDED, in order
  std::vector<std::string> rpath;    ///< DT_RPATH entries (searched before LD_LIBRARY_PATH)
  std::vector<std::string> runpath;  ///< DT_RUNPATH entries (searched after it)
  std::string soname;                ///< DT_SONAME: the name the loader finds it by
  bool has_rpath = false;            ///< a DT_RPATH tag is present (its list may be empty)
  bool has_runpath = false;          ///< a DT_RUNPATH tag is present
  std::string rpath_text;            ///< DT_RPATH as written, with any empty entries
  std::string runpath_text;          ///< DT_RUNPATH as written
  // Where they are in the file, for an in-place edit (elf_search_path_edit.h).
  bool elf64 = true;
  uint64_t dynamic_offset = 0;   ///< the dynamic array (PT_DYNAMIC)
  uint64_t dynamic_entries = 0;  ///< its slots, up to p_filesz
  uint64_t rpath_offset = 0;     ///< DT_RPATH's string (0: none)
  uint64_t runpath_offset = 0;   ///< DT_RUNPATH's string
};

/// nullopt for anything that is not a native-endian ELF file with a dynamic
/// section (scripts, data, static binaries). Throws Error only when the file
/// cannot be read.
std::optional<ElfDynamic> read_elf_dynamic(const std::string& path);

}  // namespace pybcast
