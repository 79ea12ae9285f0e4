#include "pack/from_run.h"

#include <sys/stat.h>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <map>
#include <optional>
#include <set>

#include "pack/pack_sources.h"
#include "pack/shared_libs.h"
#include "util/elf_deps.h"
#include "util/error.h"
#include "util/fs_probe.h"
#include "util/paths.h"
#include "util/units.h"

namespace pybcast {

namespace {

constexpr size_t kListedGroups = 12;

/// Kernel and device files, and bytecode (recompiled on the node or added by --compile).
bool ignored(const std::string& path) {
  for (const char* d : {"/proc", "/sys", "/dev"})
    if (is_beneath(path, d)) return true;
  return path.find("/__pycache__/") != std::string::npos || path.ends_with(".pyc");
}

/// A sys.path entry and where its contents go.
struct SearchDir {
  std::string dir;
  Touched kind = Touched::site;
  std::string base;  ///< member directory its contents go to
};

std::vector<SearchDir> search_dirs(const RunTrace& trace, const PythonInfo& info) {
  std::string stdlib = stdlib_member(info);
  std::map<std::string, std::string> interpreter{{info.stdlib, stdlib}};
  if (!info.platstdlib.empty()) interpreter.emplace(info.platstdlib, prefix_member(info, info.platstdlib, stdlib));
  if (!info.dynload.empty())
    interpreter.emplace(info.dynload, prefix_member(info, info.dynload, stdlib + "/lib-dynload"));
  bool venv = !info.prefix.empty() && info.prefix != info.base_prefix;
  std::vector<SearchDir> dirs;
  for (const auto& e : trace.sys_path) {
    if (e.empty() || e.front() != '/') continue;
    std::string in_prefix = venv && is_beneath(e, info.prefix) ? relative_to(e, info.prefix)
                            : is_beneath(e, info.base_prefix)  ? relative_to(e, info.base_prefix)
                                                               : "";
    if (auto it = interpreter.find(e); it != interpreter.end()) {
      dirs.push_back({e, Touched::interpreter, it->second});
    } else if (!in_prefix.empty() && site_destination(info, in_prefix) == in_prefix) {
      dirs.push_back({e, Touched::site, in_prefix});  // a site directory the interpreter searches
    } else if (trace.script_dirs.contains(e)) {
      // Before the prefix: a console script's directory (/usr/bin, a venv's bin) is no site directory.
      dirs.push_back({e, Touched::script, ""});
    } else {
      dirs.push_back({e, Touched::site, info.target_site});  // PYTHONPATH, the user base, what the run added
    }
  }
  return dirs;
}

/// What the import system can find directly in a sys.path directory, or
/// anything in its packages: a compiler or a README read from a directory
/// on sys.path is no module of it.
bool module_file(const std::string& path, const std::string& relative, const RunTrace& trace) {
  if (relative.find('/') != std::string::npos) return true;
  for (const char* suffix : {".py", ".so", ".pth", ".egg-link", ".egg-info"})
    if (relative.ends_with(suffix)) return true;
  return trace.mapped.contains(path) || trace.sys_path.contains(path);  // a library beside its module, a zip
}

const SearchDir* longest_match(const std::vector<SearchDir>& dirs, const std::string& path) {
  const SearchDir* best = nullptr;
  for (const auto& d : dirs)
    if (is_beneath(path, d.dir) && (best == nullptr || d.dir.size() > best->dir.size())) best = &d;
  return best;
}

Placement place(const std::string& path, const RunTrace& trace, const PythonInfo& info,
                const std::vector<SearchDir>& dirs, const std::vector<std::string>& system_dirs, bool with_python) {
  Placement p{path, Touched::other, "", ""};
  const SearchDir* match = longest_match(dirs, path);
  std::string rel = match != nullptr ? relative_to(path, match->dir) : "";
  if (match != nullptr && (match->kind != Touched::site || module_file(path, rel, trace))) {
    p.kind = match->kind;
    if (match->kind == Touched::script) {
      p.group = "next to the script: " + match->dir;
      return p;
    }
    std::string member = join_member(match->base, rel).value_or("");
    if (match->kind == Touched::interpreter) {
      p.group = fmt::format("python {} itself", info.version_short);
      if (with_python) p.member = member;
      return p;
    }
    p.member = member;
    p.group = join_member(match->base, rel.substr(0, rel.find('/'))).value_or(match->base);
    return p;
  }
  std::string name = file_name(path);
  if (trace.scripts.contains(path)) {
    p.kind = Touched::script;
    p.group = "the script: " + path;
  } else if (trace.mapped.contains(path) && name.starts_with("libpython") && is_beneath(path, info.libdir)) {
    p.kind = Touched::interpreter;
    p.group = fmt::format("python {} itself", info.version_short);
    if (with_python) p.member = prefix_member(info, info.libdir, "lib") + "/" + name;
  } else if (trace.mapped.contains(path)) {
    bool system =
        std::any_of(system_dirs.begin(), system_dirs.end(), [&](const auto& d) { return is_beneath(path, d); });
    p.kind = system ? Touched::system_library : Touched::library;
    p.group = system ? "system libraries (node-local)" : "lib (shared libraries)";
    if (!system) p.member = "lib/" + name;
  } else {
    p.group = "read from " + parent_path(path);
  }
  return p;
}

struct Group {
  Touched kind = Touched::other;
  uint64_t files = 0, bytes = 0;
  std::string first;  ///< a path in it, to probe its file system
};

/// Counts per report line: what went in, and what stays out.
struct Tally {
  std::map<std::string, Group> in, out;
  void count(const Placement& p, bool packed, uint64_t bytes) {
    Group& g =
        (packed ? in : out)[packed || p.member.empty() ? p.group : "left out by --exclude or the default excludes"];
    g.kind = p.kind;
    g.files += 1;
    g.bytes += bytes;
    if (g.first.empty()) g.first = p.path;
  }
};

std::string files_and_bytes(uint64_t files, uint64_t bytes) {
  return fmt::format("{} file{}, {}", files, files == 1 ? "" : "s", format_bytes(static_cast<double>(bytes)));
}

/// The report lines, largest groups first.
void report(const Tally& tally, const RunTrace& trace, const PackOptions& options, PackSource& source) {
  auto sorted = [](const std::map<std::string, Group>& groups) {
    std::vector<std::pair<std::string, Group>> v(groups.begin(), groups.end());
    std::stable_sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.second.bytes > b.second.bytes; });
    return v;
  };
  auto total = [](const std::map<std::string, Group>& groups) {
    Group t;
    for (const auto& [name, g] : groups) t.files += g.files, t.bytes += g.bytes;
    return t;
  };
  auto list = [&](const std::map<std::string, Group>& groups, bool probe) {
    auto v = sorted(groups);
    for (size_t i = 0; i < v.size() && i < kListedGroups; ++i) {
      const auto& [name, g] = v[i];
      std::string where;
      if (probe && g.kind != Touched::interpreter && g.kind != Touched::system_library) {
        FsKind fs = probe_fs(g.first);
        where = fmt::format(" [{}{}]", fs.name, fs.shared ? ", shared" : "");
      }
      source.notes.push_back(fmt::format("  {:<52} {:>24}{}", name, files_and_bytes(g.files, g.bytes), where));
    }
    if (v.size() > kListedGroups) source.notes.push_back(fmt::format("  ... and {} more", v.size() - kListedGroups));
  };
  source.notes.push_back(fmt::format(
      "from-run: traced {} Python process{}: {} modules, {} files read, {} shared objects mapped", trace.processes,
      trace.processes == 1 ? "" : "es", trace.modules.size(), trace.opened.size(), trace.mapped.size()));
  Group in = total(tally.in), out = total(tally.out);
  source.notes.push_back("from-run: included " + files_and_bytes(in.files, in.bytes) + " that the run touched:");
  list(tally.in, false);
  source.notes.push_back("from-run: left where they are, " + files_and_bytes(out.files, out.bytes) + ":");
  list(tally.out, true);
  uint64_t shared_files = 0, shared_bytes = 0;
  for (const auto& [name, g] : tally.out)
    if (g.kind != Touched::interpreter && probe_fs(g.first).shared) shared_files += g.files, shared_bytes += g.bytes;
  source.notes.push_back(shared_files == 0 ? "from-run: nothing left out lies on a shared file system"
                                           : "from-run: left on a shared file system: " +
                                                 files_and_bytes(shared_files, shared_bytes));
  if (!options.with_python && tally.out.contains(fmt::format("python {} itself", source.python->version_short)))
    source.notes.push_back(
        "from-run: stage this bundle after a `pybcast pack python` bundle, or pack with --with-python");
}

/// Mapped libraries outside the system directories: those the bundle's ELF
/// files need by name are added by the packer's library pass (as it will run
/// on the node); the rest (dlopen'ed) go to lib/ under their soname.
void add_mapped_libraries(const std::vector<std::pair<Placement, uint64_t>>& libraries, PackSource& source,
                          Tally& tally) {
  if (libraries.empty()) return;
  FileSet probe = source.files;
  bundle_shared_libraries(probe, LibrarySearch::from_host());
  std::set<std::string> covered;
  for (const auto& e : probe.entries())
    if (e.type == EntryType::file && !e.source.empty()) covered.insert(real_path(e.source));
  for (auto [p, bytes] : libraries) {
    if (!covered.contains(real_path(p.path))) {
      auto dyn = read_elf_dynamic(p.path);
      p.member = "lib/" + (dyn && !dyn->soname.empty() ? dyn->soname : file_name(p.path));
      if (source.files.find(p.member) == nullptr) source.files.put_file(real_path(p.path), p.member);
      source.notes.push_back(
          fmt::format("from-run: added {} from {} (mapped by the run, needed by no packed file)", p.member, p.path));
    }
    tally.count(p, true, bytes);
  }
}

/// The *.dist-info / *.egg-info of distributions the run imported from, for
/// importlib.metadata and the manifest's versions.
void add_metadata(const RunTrace& trace, const std::vector<SearchDir>& dirs, PackSource& source) {
  for (const auto& d : trace.distributions) {
    std::string parent = parent_path(d.metadata);
    auto it = std::find_if(dirs.begin(), dirs.end(), [&](const auto& s) { return s.dir == parent; });
    if (it == dirs.end() || it->kind != Touched::site) continue;
    struct stat st {};
    if (::stat(d.metadata.c_str(), &st) != 0) continue;
    source.files.add(d.metadata, it->base + "/" + file_name(d.metadata), true);
    source.manifest.versions[d.name] = d.version;
  }
}

/// How the probe's python appears in the trace: a venv of it counts as it.
TracedInterpreter interpreter_of(const PythonInfo& info) {
  return {info.executable, real_path(info.base_prefix), info.version, info.abi};
}

}  // namespace

const char* touched_name(Touched kind) {
  switch (kind) {
    case Touched::site: return "site";
    case Touched::interpreter: return "interpreter";
    case Touched::library: return "library";
    case Touched::system_library: return "system library";
    case Touched::script: return "script";
    case Touched::other: break;
  }
  return "other";
}

std::vector<Placement> plan_from_run(const RunTrace& trace, const PythonInfo& info,
                                     const std::vector<std::string>& system_dirs, bool with_python) {
  std::vector<SearchDir> dirs = search_dirs(trace, info);
  std::vector<Placement> plan;
  std::set<std::string> seen;
  for (const auto* set : {&trace.modules, &trace.opened, &trace.mapped})
    for (const auto& path : *set)
      if (path.starts_with("/") && !ignored(path) && seen.insert(path).second)
        plan.push_back(place(path, trace, info, dirs, system_dirs, with_python));
  return plan;
}

PackSource collect_from_run(const PackOptions& options) {
  std::string log;
  std::vector<TracedProcess> processes = trace_run(options.targets, log);
  // The target is --python's interpreter, else the first process's: the others' files have their own layout.
  std::optional<PythonInfo> named;
  if (!options.python.empty()) named = probe_python(options.python);
  TracedInterpreter wanted = named ? interpreter_of(*named) : TracedInterpreter{};
  RunTrace trace = merge_trace(std::move(processes), named ? &wanted : nullptr);
  if (trace.processes == 0) {
    std::vector<std::string> ran;
    for (const auto& o : trace.others)
      ran.push_back(fmt::format("{} ({})", o.interpreter.executable, o.interpreter.version));
    fail("pack --from-run: no process of the run ran --python {} ({} {}); it ran {}", options.python, wanted.executable,
         wanted.version, fmt::join(ran, ", "));
  }
  PythonInfo info = named ? *named : probe_python(trace.executable);
  PackSource source(make_filter(options));
  source.python = info;
  for (const auto& o : trace.others)
    source.warnings.push_back(
        fmt::format("pack --from-run: left out what {} process{} of another Python ({}, {}) touched", o.processes,
                    o.processes == 1 ? "" : "es", o.interpreter.executable, o.interpreter.version));
  source.manifest.kind = "from-run";
  describe_python(info, source.manifest);
  if (options.with_python) {
    add_interpreter(info, source);
    source.manifest.layout.stdlib = stdlib_member(info);
    source.manifest.versions["python"] = info.version;
  }

  std::vector<std::string> system_dirs;
  for (const auto& d : LibrarySearch::from_host().system_dirs) system_dirs.push_back(real_path(d));
  Tally tally;
  std::vector<std::pair<Placement, uint64_t>> libraries;
  for (const auto& p : plan_from_run(trace, info, system_dirs, options.with_python)) {
    struct stat st {};
    if (::stat(p.path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    auto bytes = static_cast<uint64_t>(st.st_size);
    if (p.kind == Touched::library) {
      libraries.emplace_back(p, bytes);
      continue;
    }
    // A symlink member stays one, for the packer's symlink rules to settle (an absolute link into a
    // system directory, or its target's content); otherwise the file itself, wherever a symlink on
    // the way to it leads.
    struct stat link {};
    bool is_symlink = ::lstat(p.path.c_str(), &link) == 0 && S_ISLNK(link.st_mode);
    if (!p.member.empty()) source.files.add(is_symlink ? p.path : real_path(p.path), p.member);
    tally.count(p, !p.member.empty() && source.files.find(p.member) != nullptr, bytes);
  }
  add_mapped_libraries(libraries, source, tally);
  add_metadata(trace, search_dirs(trace, info), source);
  report(tally, trace, options, source);
  return source;
}

}  // namespace pybcast
