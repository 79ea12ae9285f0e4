#pragma once
// Each kind of bundle gathers its files and what its manifest says about
// them; the packer then treats them all alike, and directory staging takes
// a tree the same way (tree/live_tree.h). The kinds that need pack's own
// machinery (dist, from_run) are declared in pack/pack_sources.h.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bundle/manifest.h"
#include "tree/file_set.h"
#include "tree/pack_options.h"
#include "tree/python_probe.h"
#include "util/temp_dir.h"

namespace pybcast {

struct PackSource {
  explicit PackSource(ExcludeFilter filter) : files(std::move(filter)) {}

  FileSet files;
  Manifest manifest;                 ///< all but the entries, files and sizes
  std::optional<PythonInfo> python;  ///< the interpreter that will import these files, if known
  std::vector<std::string> notes;    ///< what pack decided for the user (moved, added)
  std::vector<std::string> warnings;
  std::unique_ptr<TempDir> scratch;  ///< files packed from here must outlive the write
  /// Where the files were installed, when the manifest does not say
  /// (layout.source_prefix): RUNPATH entries inside it become $ORIGIN-relative.
  std::string prefix;
  /// dist: the top-level import names of the distributions asked for, which
  /// the import check imports.
  std::vector<std::string> imports;
};

/// `pack python`: interpreter, stdlib, lib-dynload, libpython.
PackSource collect_python(const PackOptions& options);
/// `pack dir`, `pack env`, `pack pip`: a prefix tree as it is, with site
/// directories moved to where the target python looks when it is known.
PackSource collect_dir(const PackOptions& options);
PackSource collect_env(const PackOptions& options);
PackSource collect_pip(const PackOptions& options);

/// The interpreter binary (with a bin/python3 link), its shared libpython,
/// and the manifest's layout.executable/libpython.
void add_interpreter(const PythonInfo& info, PackSource& source);
/// Where the standard library sits in the bundle ("lib/python3.11").
std::string stdlib_member(const PythonInfo& info);

/// The user's and the default exclusions.
ExcludeFilter make_filter(const PackOptions& options);

/// Where a directory of the source python sits in the bundle: relative to
/// the base prefix when it is inside it, else `fallback`.
std::string prefix_member(const PythonInfo& info, const std::string& path, const std::string& fallback);

/// Fills the python block of a manifest, where distributions go and the
/// prefix packed from.
void describe_python(const PythonInfo& info, Manifest& manifest);

/// Site directory -> where `python` finds it: kept when the interpreter
/// searches it from a plain prefix, else moved to its target site directory.
std::string site_destination(const PythonInfo& info, const std::string& relative_site);

}  // namespace pybcast
