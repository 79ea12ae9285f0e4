#pragma once
// Does what was packed import on its own? Debian strips requirements from
// its packages' metadata (torch lists none), so `pack dist torch --deps`
// can give a set in which `import torch` fails, which users would otherwise
// find at run time, on every rank. The target python runs isolated (-I -S:
// its standard library only) with the unpacked bundles' site directories,
// imports each top-level package, and says what it had to take from this
// machine instead: those modules, where they live, and their distributions.
#include <map>
#include <string>
#include <vector>

#include "bundle/manifest.h"

namespace pybcast {

struct ImportCheck {
  std::vector<std::string> failed;  ///< "name: ExceptionType: message" (other than a missing module)
  /// Modules the packed set lacks, found on this machine: name -> "file (distribution)".
  std::map<std::string, std::string> missing;
  std::vector<std::string> missing_distributions;  ///< what `pack dist` would add, sorted
  bool ok() const { return failed.empty() && missing.empty(); }
};

/// The top-level import names of `members` below the site directory `site`
/// ("lib/python3/dist-packages"): packages, modules and extension modules.
std::vector<std::string> top_level_imports(const std::vector<std::string>& members, const std::string& site);

/// Unpacks `bundles` into a scratch directory and imports `names` with
/// `python` from their site directories (`sites`, members such as
/// "lib/python3/dist-packages") alone. Throws Error when python cannot run.
ImportCheck check_imports(const std::string& python, const std::vector<std::string>& bundles,
                          const std::vector<std::string>& sites, const std::vector<std::string>& names);

/// check_imports for `bundle` (its manifest read: `manifest`) staged with
/// the `with` bundles: the site directories are their manifests'
/// purelib/platlib; `names` empty: every top-level package of `bundle`.
ImportCheck check_bundle_imports(const std::string& python, const std::string& bundle, const Manifest& manifest,
                                 const std::vector<std::string>& with, std::vector<std::string> names);

/// One warning (empty when the check passed), naming the fix: `pack_line`
/// with the missing distributions added.
std::string describe_import_check(const ImportCheck& check, const std::string& pack_line);

}  // namespace pybcast
