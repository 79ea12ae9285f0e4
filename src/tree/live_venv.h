#pragma once
// A venv named as a directory stays a venv in the staged tree, because
// that is what makes Python search its site-packages: site.venv() takes the
// directory holding the pyvenv.cfg next to (or one level above) the running
// executable as sys.prefix, and then adds that prefix's site directories;
// Debian's and Ubuntu's site.py add lib/pythonX.Y/site-packages only while
// sys.prefix differs from sys.base_prefix (a venv is active), upstream's
// always. So the staged entry holds the base interpreter at its root (the
// staged PYTHONHOME, sys.base_prefix) and the venv, whole, under venv/,
// with its bin/python* linked to the staged interpreter; python-mpi runs
// venv/bin/python3. The venv's site-packages then come first on sys.path and
// the base's site directories after them, each a directory of its own, as
// without pybcast.
#include <string>

#include "tree/pack_source.h"
#include "util/temp_dir.h"

namespace pybcast {

/// pyvenv.cfg's include-system-site-packages as site.py reads it ("true" in
/// any case; absent counts as true): the venv also sees its base's site
/// directories.
bool includes_system_site(const std::string& venv_dir);

/// The staged venv's pyvenv.cfg from the original's text: without `home`
/// (it names the original base; PYTHONHOME names the staged one, and
/// sysconfig would look for a build tree there), and with
/// include-system-site-packages = true, so that what other bundles of the
/// job add to the staged base's site directories is found, after the
/// venv's own (those directories hold the base's packages only where the
/// original venv included them).
std::string staged_venv_config(const std::string& original);

/// Makes `venv` (the venv's tree at the member root) stageable as a venv
/// below kStagedVenvDir: its bin/python, python3, python3.Y become links to
/// `base_executable` (a member of the base part, "bin/python3.11"), its
/// pyvenv.cfg is rewritten (written into `scratch`), and the manifest's
/// executable is the venv's bin/python3. Members stay root-relative; the
/// caller places the part below kStagedVenvDir.
void stage_as_venv(PackSource& venv, const std::string& venv_dir, const std::string& base_executable,
                   const TempDir& scratch);

}  // namespace pybcast
