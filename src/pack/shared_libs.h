#pragma once
// Makes a bundle carry the shared libraries its ELF files load from outside
// the node's system library directories (numpy.libs, a module's own lib/),
// and says which ones would still come from elsewhere at run time.
#include <string>
#include <vector>

#include "tree/file_set.h"

namespace pybcast {

/// Where the dynamic loader looks on this host.
struct LibrarySearch {
  std::vector<std::string> system_dirs;   ///< node-local: ld.so.conf and the built-in defaults
  std::vector<std::string> library_path;  ///< LD_LIBRARY_PATH as pack sees it
  /// The prefix the files come from ("" = none): RUNPATH/RPATH entries inside
  /// it (outside the system directories) become $ORIGIN paths (relink.h), so
  /// a library found there is one the bundle carries at the same place.
  std::string prefix;

  /// Reads /etc/ld.so.conf (and its includes) and LD_LIBRARY_PATH.
  static LibrarySearch from_host();
};

struct LibraryReport {
  std::vector<std::string> added;         ///< "lib/libfoo.so.1 from /sw/foo/lib (needed by ...)"
  std::vector<std::string> still_shared;  ///< loaded from outside the bundle and the system dirs
  std::vector<std::string> not_found;
};

/// Follows the loader's order as it will run on a node, with the staged lib/
/// first on LD_LIBRARY_PATH (the launcher puts it there): DT_RPATH,
/// LD_LIBRARY_PATH, DT_RUNPATH, system dirs. A library found through an
/// $ORIGIN path is added where that path points inside the bundle; one found
/// in another non-system directory after the staged lib/ is added as
/// lib/<name>; one that a DT_RPATH pins to such a directory cannot be
/// redirected and is reported. Added libraries are scanned in turn.
LibraryReport bundle_shared_libraries(FileSet& files, const LibrarySearch& search);

}  // namespace pybcast
