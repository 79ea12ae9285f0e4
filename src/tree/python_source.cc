// `pack python`: the interpreter as its own sysconfig describes it.
#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <map>
#include <memory>

#include "tree/pack_source.h"
#include "util/error.h"
#include "util/paths.h"

namespace pybcast {

namespace {

/// Parts of the standard library that no job needs, each kept with --keep NAME.
struct StdlibPart {
  const char* name;
  std::vector<std::string> dirs;   ///< relative to the stdlib directory
  std::vector<std::string> globs;  ///< file or directory names anywhere
};

const std::vector<StdlibPart>& stdlib_parts() {
  static const std::vector<StdlibPart> parts{
      {"test", {"test", "lib2to3/tests"}, {}},
      {"idlelib", {"idlelib"}, {}},
      {"tkinter", {"tkinter", "turtledemo"}, {"_tkinter.*.so"}},
      {"ensurepip", {"ensurepip"}, {}},
      {"__pycache__", {}, {"__pycache__"}},
      // Build-time only: the static libpython, Makefile and config.c for building extensions.
      {"config", {}, {"config-[0-9]*"}},
      // Installed distributions are `pack dist`'s business.
      {"site-packages", {"site-packages", "dist-packages"}, {}},
  };
  return parts;
}

bool is_dir(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

/// libpythonX.Y*.so* (and the stable-ABI libpython3.so) from LIBDIR, the real
/// file and the symlinks that lead to it.
void add_libpython(const PythonInfo& info, PackSource& source) {
  if (info.instsoname.empty()) {
    source.warnings.push_back(fmt::format(
        "python '{}' was built without --enable-shared: the bundle has no libpython{}.so, so python-mpi cannot "
        "embed it (running bin/python{} still works)",
        info.python, info.version_short, info.version_short));
    return;
  }
  std::string lib_member = prefix_member(info, info.libdir, "lib");
  std::unique_ptr<DIR, int (*)(DIR*)> dir(::opendir(info.libdir.c_str()), ::closedir);
  if (!dir) throw_errno(info.libdir, errno);
  std::string stem = "libpython" + info.version_short;
  while (dirent* e = ::readdir(dir.get())) {
    std::string name = e->d_name;
    bool ours = name.starts_with(stem) || name.starts_with("libpython3.so");
    if (ours && name.find(".so") != std::string::npos)
      source.files.add(info.libdir + "/" + name, lib_member + "/" + name);
  }
  std::string soname = lib_member + "/" + info.instsoname;
  if (source.files.find(soname) == nullptr) {
    struct stat st {};
    bool exists = ::stat((info.libdir + "/" + info.instsoname).c_str(), &st) == 0;
    fail("python '{}' says its shared library is {}/{}, which {}", info.python, info.libdir, info.instsoname,
         exists ? "an --exclude left out" : "does not exist");
  }
  source.manifest.layout.libpython = soname;
}

/// The C headers where the staged sysconfig looks for them (include/pythonX.Y
/// under the prefix). Debian's pyconfig.h only includes its multiarch twin
/// from /usr/include, which a node without python3-dev lacks: the twin is
/// packed in its place.
void add_headers(const PythonInfo& info, PackSource& source) {
  std::string fallback = "include/python" + info.version_short;
  std::string include;
  for (const auto& dir : {info.include, info.platinclude}) {
    if (dir.empty()) continue;
    std::string member = prefix_member(info, dir, fallback);
    if (source.files.find(member) == nullptr) source.files.add(dir, member, true);
    if (include.empty()) include = member;
  }
  if (include.empty()) {
    source.warnings.push_back(fmt::format(
        "python '{}' has no C headers (no Python.h): code that compiles against Python at run time (f2py, cffi, "
        "setuptools, Triton) will not build under python-mpi (Debian: apt-get install python{}-dev)",
        info.python, info.version_short));
    return;
  }
  if (!info.multiarch_pyconfig.empty()) source.files.put_file(info.multiarch_pyconfig, include + "/pyconfig.h");
  source.notes.push_back(fmt::format("C headers: {} (--no-headers leaves them out)", include));
}

}  // namespace

std::string stdlib_member(const PythonInfo& info) {
  return prefix_member(info, info.stdlib, "lib/python" + info.version_short);
}

void add_interpreter(const PythonInfo& info, PackSource& source) {
  std::string executable = prefix_member(info, info.executable, "bin/" + file_name(info.executable));
  source.files.put_file(info.executable, executable, true);
  if (executable.starts_with("bin/") && file_name(executable) != "python3")
    source.files.put_symlink("bin/python3", file_name(executable));
  add_libpython(info, source);
  source.manifest.layout.executable = executable;
}

std::string prefix_member(const PythonInfo& info, const std::string& path, const std::string& fallback) {
  const std::string& base = info.base_prefix;
  if (is_within(path, base)) return relative_to(path, base);
  return fallback;
}

void describe_python(const PythonInfo& info, Manifest& manifest) {
  manifest.python = {info.version, info.abi, info.implementation};
  manifest.layout.purelib = manifest.layout.platlib = info.target_site;
  manifest.layout.source_prefix = info.base_prefix;
}

std::string site_destination(const PythonInfo& info, const std::string& relative_site) {
  bool searched = std::find(info.site_dirs.begin(), info.site_dirs.end(), relative_site) != info.site_dirs.end();
  return searched ? relative_site : info.target_site;
}

ExcludeFilter make_filter(const PackOptions& options) {
  ExcludeFilter filter;
  if (options.default_excludes)
    for (const auto& g : ExcludeFilter::default_globs()) filter.add_glob(g);
  for (const auto& g : options.excludes) filter.add_glob(g);
  return filter;
}

PackSource collect_python(const PackOptions& options) {
  PythonInfo info = probe_python(options.python.empty() ? "python3" : options.python);
  std::string stdlib = stdlib_member(info);

  ExcludeFilter filter = make_filter(options);
  for (const auto& keep : options.keep) {
    bool known =
        std::any_of(stdlib_parts().begin(), stdlib_parts().end(), [&](const auto& p) { return keep == p.name; });
    if (!known) {
      std::vector<std::string> names;
      for (const auto& p : stdlib_parts()) names.push_back(p.name);
      fail("--keep {}: not a part of the standard library pack leaves out (one of: {})", keep, fmt::join(names, ", "));
    }
  }
  for (const auto& part : stdlib_parts()) {
    if (std::find(options.keep.begin(), options.keep.end(), part.name) != options.keep.end()) continue;
    for (const auto& d : part.dirs) filter.add_pruned(stdlib + "/" + d);
    for (const auto& g : part.globs) filter.add_glob(g);
  }

  PackSource source(std::move(filter));
  source.python = info;
  source.manifest.kind = "python";
  source.manifest.versions = {{"python", info.version}};
  describe_python(info, source.manifest);

  source.files.add(info.stdlib, stdlib, true);
  // Some layouts (lib64 on Fedora) keep the platform part and lib-dynload apart.
  if (info.platstdlib != info.stdlib && is_dir(info.platstdlib))
    source.files.add(info.platstdlib, prefix_member(info, info.platstdlib, "lib/python" + info.version_short), true);
  if (!info.dynload.empty() && !is_within(info.dynload, info.stdlib) && !is_within(info.dynload, info.platstdlib))
    source.files.add(info.dynload, prefix_member(info, info.dynload, stdlib + "/lib-dynload"), true);

  add_interpreter(info, source);
  if (options.headers) add_headers(info, source);
  source.manifest.layout.stdlib = stdlib;
  return source;
}

}  // namespace pybcast
