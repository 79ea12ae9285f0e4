#include "tree/live_tree.h"

#include <sys/stat.h>

#include <map>

#include "bundle/metadata_layout.h"
#include "tree/live_venv.h"
#include "tree/prepare_tree.h"
#include "util/error.h"
#include "util/hash.h"
#include "util/paths.h"
#include "util/timer.h"
#include "util/units.h"

namespace pybcast {

namespace {

bool exists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

/// Pack's options for a tree taken as it is: its default excludes except
/// bytecode, which a live tree already has and keeps.
PackOptions live_options(PackKind kind, const std::string& target, const std::string& python,
                         const LiveTreeOptions& live) {
  PackOptions o;
  o.kind = kind;
  if (!target.empty()) o.targets = {target};
  o.python = python;
  o.compile = false;
  o.default_excludes = false;
  o.max_entries = live.max_entries;
  if (live.excludes)
    for (const auto& g : ExcludeFilter::default_globs())
      if (g != "*.pyc" && g != "*.pyo") o.excludes.push_back(g);
  o.keep = {"__pycache__"};
  return o;
}

/// Files worth reading for a RUNPATH: shared objects and executables other
/// than scripts. The rest of a Python tree (sources, bytecode, data) is
/// opened once, to be streamed.
bool may_be_elf(const PackEntry& e) {
  if (e.member.find(".so") != std::string::npos) return true;
  return e.executable && !e.member.ends_with(".py") && !e.member.ends_with(".sh");
}

/// The base interpreter's own site directories (Debian: lib/python3/dist-packages),
/// where that interpreter looks for them from the staged prefix.
void add_base_sites(PackSource& python) {
  const PythonInfo& info = *python.python;
  for (const auto& site : info.site_dirs) {
    std::string path = info.base_prefix + "/" + site;
    if (exists(path)) python.files.add(path, site, true);
  }
  python.notes.push_back("include-system-site-packages: the base interpreter's site directories are staged too");
}

std::string type_letter(EntryType t) {
  switch (t) {
    case EntryType::file: return "f";
    case EntryType::directory: return "d";
    case EntryType::symlink: return "l";
  }
  return "?";
}

}  // namespace

LiveTree::LiveTree(const std::string& dir, const std::string& name, const LiveTreeOptions& options)
    : dir_(dir), name_(name) {
  Stopwatch clock;
  try {
    if (exists(dir + "/pyvenv.cfg")) {
      walk_.venv = true;
      std::string python = exists(dir + "/bin/python3") ? dir + "/bin/python3" : dir + "/bin/python";
      if (!exists(python)) fail("{} is a venv (pyvenv.cfg) without bin/python3", dir);
      PackOptions base = live_options(PackKind::python, "", python, options);
      bool with_sites = includes_system_site(dir);
      if (with_sites) base.keep.push_back("site-packages");  // pyenv-style: inside the stdlib directory
      parts_.push_back(collect_python(base));
      if (with_sites) add_base_sites(parts_.back());
      // The venv as it is, below venv/ (live_venv.h); fixed up once its links are settled.
      parts_.push_back(collect_dir(live_options(PackKind::dir, dir, "", options)));
      roots_ = {"", kStagedVenvDir};
    } else {
      parts_.push_back(collect_dir(live_options(PackKind::dir, dir, "", options)));
    }
  } catch (const Error& e) {
    if (options.max_entries == 0 || std::string_view(e.what()).find("more than") == std::string_view::npos) throw;
    fail("{} {} has {}; it is staged whole: {}", options.what, dir, e.what(), options.raise_hint);
  }
  std::string text;
  for (size_t i = 0; i < parts_.size(); ++i) {
    PackSource& part = parts_[i];
    size_t known = part.warnings.size();  // the walk's own, not said for a staged tree
    settle_links(part);
    for (const auto& w : part.files.warnings()) warnings_.push_back(w);
    warnings_.insert(warnings_.end(), part.warnings.begin() + static_cast<std::ptrdiff_t>(known), part.warnings.end());
    for (const auto& e : part.files.entries()) {
      if (e.type == EntryType::file) walk_.bytes += e.size;
      std::string member = staged_member(i, e.member);
      text += fmt::format("{} {} {} {} {} {}:{}\n", type_letter(e.type), e.size, e.mtime_ns, e.ctime_ns, e.inode,
                          member.size(), member);
      if (e.type == EntryType::symlink) text += e.link + "\n";
      ++walk_.entries;
    }
    walk_.metadata_calls += part.files.metadata_calls();
  }
  if (options.max_bytes != 0 && walk_.bytes > options.max_bytes)
    fail("{} {} holds {} of files, more than the limit of {}; it is staged whole: {}", options.what, dir,
         format_bytes(static_cast<double>(walk_.bytes)), format_bytes(static_cast<double>(options.max_bytes)),
         options.raise_hint);
  digest_ = hex128(text);
  walk_.seconds = clock.seconds();
}

std::string LiveTree::staged_member(size_t part, const std::string& member) const {
  if (part >= roots_.size() || roots_[part].empty()) return member;
  return member.empty() ? roots_[part] : roots_[part] + "/" + member;
}

LiveTree::~LiveTree() = default;

TreeTar& LiveTree::stream(const std::string& scratch_parent) {
  if (stream_) return *stream_;
  elf_copies_ = std::make_unique<TempDir>(scratch_parent, "pybcast-elf-");
  // Not in the walk: a warm step reads and writes nothing for it. What it
  // changes follows from the walked tree alone, which the digest covers.
  if (walk_.venv) stage_as_venv(parts_[1], dir_, parts_[0].manifest.layout.executable, *elf_copies_);
  std::map<std::string, PackEntry> merged;  // a later part wins, as a later bundle would
  Manifest manifest;
  for (size_t i = 0; i < parts_.size(); ++i) {
    PackSource& part = parts_[i];
    if (!source_prefix(part).empty()) {
      RunpathReport r = relocate_runpaths(part, *elf_copies_, may_be_elf);
      runpaths_.rewritten += r.rewritten;
      runpaths_.by_patchelf += r.by_patchelf;
      runpaths_.seconds += r.seconds;
    }
    for (auto& e : part.files.entries()) {
      e.member = staged_member(i, e.member);
      merged[e.member] = std::move(e);
    }
    const ManifestLayout& l = part.manifest.layout;
    if (&part == &parts_.front()) manifest = part.manifest;
    if (!l.executable.empty()) manifest.layout.executable = l.executable;
    if (!l.libpython.empty()) manifest.layout.libpython = l.libpython;
    for (const auto& [k, v] : part.manifest.versions) manifest.versions[k] = v;
  }
  manifest.name = name_;
  manifest.kind = walk_.venv ? "venv" : "dir";
  manifest.dirs.emplace();
  std::vector<PackEntry> entries;
  entries.reserve(merged.size());
  for (auto& [member, e] : merged) {
    std::string parent = parent_path(member);
    if (auto it = merged.find(parent); !parent.empty() && it != merged.end() && it->second.type != EntryType::directory)
      fail("{}: {} would be staged below {}, which is not a directory", dir_, member, parent);
    if (e.type != EntryType::directory) {
      manifest.entries.push_back({e.member, e.size, "", e.link});
      manifest.unpacked_bytes += e.size;
    } else {
      manifest.dirs->push_back(e.member);
    }
    entries.push_back(std::move(e));
  }
  manifest.files = manifest.entries.size();
  stream_.emplace(manifest_to_json(manifest), std::move(entries));
  return *stream_;
}

}  // namespace pybcast
