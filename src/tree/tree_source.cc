// `pack dir`, `pack env`, `pack pip`: a prefix tree taken as it is.
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <regex>
#include <set>

#include "tree/pack_source.h"
#include "util/child_process.h"
#include "util/error.h"

namespace pybcast {

namespace {

bool is_metadata_dir(const std::string& name) { return name.ends_with(".dist-info") || name.ends_with(".egg-info"); }

/// A prefix directory given on the command line: it must be a directory;
/// a symlink to one is fine.
std::string checked_prefix(const PackOptions& options, const char* what) {
  if (options.targets.size() != 1) fail("pack {}: give exactly one directory", what);
  const std::string& dir = options.targets[0];
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) {
    if (errno == ELOOP) fail("symlink loop: {}", dir);
    throw_errno(dir, errno);
  }
  if (!S_ISDIR(st.st_mode)) fail("{}: not a directory", dir);
  return dir;
}

/// Site directories in the tree: where the install scheme puts
/// distributions, and any site-packages or dist-packages directory that
/// holds distribution metadata (not the vendored *.dist-info inside a package).
std::set<std::string> site_dirs_in(const std::vector<PackEntry>& entries, const PythonInfo* info) {
  std::set<std::string> sites;
  for (const auto& e : entries) {
    std::string parent = parent_path(e.member);
    std::string parent_name = file_name(parent);
    if (is_metadata_dir(file_name(e.member)) && (parent_name == "site-packages" || parent_name == "dist-packages"))
      sites.insert(parent);
  }
  if (info != nullptr)
    for (const auto& s : {info->install_purelib, info->install_platlib})
      if (std::any_of(entries.begin(), entries.end(), [&](const auto& e) { return e.member == s; })) sites.insert(s);
  return sites;
}

/// Moves site directories the target python would not search (a venv's
/// lib/pythonX.Y/site-packages under Debian's python) to one it does.
void relocate_sites(const PythonInfo& info, PackSource& source) {
  for (const auto& site : site_dirs_in(source.files.entries(), &info)) {
    std::string destination = site_destination(info, site);
    if (destination == site) continue;
    source.files.relocate(site, destination);
    source.notes.push_back(fmt::format("{} -> {} (where python {} finds it)", site, destination, info.version_short));
  }
}

/// What a tree holds, read from its names: an interpreter (bin/pythonX.Y,
/// lib/pythonX.Y/os.py, libpythonX.Y.so) and distributions (*.dist-info).
void describe_tree(PackSource& source) {
  static const std::regex kStdlib(R"((lib|lib64)/python(\d+\.\d+)/os\.py)");
  static const std::regex kDistInfo(R"(([^-]+)-([^-]+)(-py\d.*)?\.(dist|egg)-info)");
  Manifest& m = source.manifest;
  std::string version;
  std::vector<PackEntry> entries = source.files.entries();
  std::set<std::string> sites = site_dirs_in(entries, source.python ? &*source.python : nullptr);
  for (const auto& e : entries) {
    std::smatch match;
    // The cheap test first: std::regex costs microseconds per entry, and trees have 10^5 entries.
    if (m.layout.stdlib.empty() && e.member.ends_with("/os.py") && std::regex_match(e.member, match, kStdlib)) {
      m.layout.stdlib = parent_path(e.member);
      version = match[2];
    }
    std::string name = file_name(e.member);
    if (is_metadata_dir(name) && sites.contains(parent_path(e.member)) && std::regex_match(name, match, kDistInfo))
      m.versions[match[1]] = match[2];
  }
  if (!version.empty()) {
    if (m.python.version.empty()) m.python.version = version;
    const PackEntry* exe = source.files.find("bin/python" + version);
    if (exe != nullptr && exe->type == EntryType::file) m.layout.executable = exe->member;
    std::regex libpython("lib[^/]*(/[^/]+)?/libpython" + std::regex_replace(version, std::regex(R"(\.)"), R"(\.)") +
                         R"([a-z]*\.so[.0-9]*)");
    for (const auto& e : entries)
      if (e.type == EntryType::file && e.member.find("libpython") != std::string::npos &&
          std::regex_match(e.member, libpython))
        m.layout.libpython = e.member;
  }
  if (m.layout.purelib.empty() && !sites.empty()) m.layout.purelib = m.layout.platlib = *sites.begin();
}

PackSource tree(const std::string& prefix, const char* kind, ExcludeFilter filter, const std::string& python,
                uint64_t max_entries = 0) {
  PackSource source(std::move(filter));
  source.files.limit_entries(max_entries);
  source.manifest.kind = kind;
  if (!python.empty()) {
    source.python = probe_python(python);
    describe_python(*source.python, source.manifest);
  }
  source.manifest.layout.source_prefix = prefix;
  source.files.add(prefix, "", true);
  if (source.python) relocate_sites(*source.python, source);
  describe_tree(source);
  return source;
}

bool exists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

}  // namespace

PackSource collect_dir(const PackOptions& options) {
  std::string prefix = checked_prefix(options, "dir");
  return tree(prefix, "dir", make_filter(options), options.python, options.max_entries);
}

PackSource collect_env(const PackOptions& options) {
  std::string prefix = checked_prefix(options, "env");
  std::string python = options.python.empty() ? prefix + "/bin/python" : options.python;
  if (exists(prefix + "/pyvenv.cfg")) {
    // A venv is its site-packages plus scripts; its link to the base
    // interpreter (pyvenv.cfg, bin/python*) would pull /usr back in.
    ExcludeFilter filter = make_filter(options);
    filter.add_pruned("pyvenv.cfg");
    filter.add_pruned("lib64");
    for (const char* glob : {"bin/python*", "bin/activate*", "bin/Activate.ps1"}) filter.add_glob(glob);
    return tree(prefix, "env", std::move(filter), python);
  }
  if (exists(prefix + "/conda-meta")) return tree(prefix, "env", make_filter(options), exists(python) ? python : "");
  fail(
      "{} is neither a venv (no pyvenv.cfg) nor a conda environment (no conda-meta/); use pack dir to pack it as it is",
      prefix);
}

PackSource collect_pip(const PackOptions& options) {
  if (options.targets.empty()) fail("pack pip: give pip's install arguments after --, e.g. -- numpy==1.26");
  std::string python = options.python.empty() ? "python3" : options.python;
  auto scratch = std::make_unique<TempDir>("pybcast-pip-");
  std::vector<std::string> argv{python,
                                "-m",
                                "pip",
                                "install",
                                "--prefix",
                                scratch->path(),
                                "--no-compile",
                                "--no-warn-script-location",
                                "--disable-pip-version-check"};
  argv.insert(argv.end(), options.targets.begin(), options.targets.end());
  ChildResult pip = run_child(argv);
  if (pip.status != 0) {
    std::string why = last_line(pip.err);
    fail("pip install failed (exit status {}){}", pip.status, why.empty() ? "" : ": " + why);
  }
  PackSource source = tree(scratch->path(), "pip", make_filter(options), python);
  source.manifest.layout.source_prefix.clear();  // a scratch directory means nothing later
  source.prefix = scratch->path();
  source.scratch = std::move(scratch);
  return source;
}

}  // namespace pybcast
