// `pack dist NAME...`: installed distributions, located from their metadata.
#include <sys/stat.h>

#include <cerrno>

#include <set>

#include "pack/import_check.h"
#include "pack/pack_sources.h"
#include "util/error.h"

namespace pybcast {

namespace {

/// An absolute path with "." and ".." resolved lexically (RECORD lists
/// scripts as "../../../bin/x" relative to the site directory).
std::string absolute_normal(const std::string& dir, const std::string& relative) {
  if (relative.starts_with("/")) return "/" + normalize_member(relative).value_or("");
  return "/" + normalize_member(dir.substr(1) + "/" + relative).value_or("");
}

bool lexists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

void add_distribution(const PythonInfo& info, const DistInfo& dist, PackSource& source) {
  std::string site = prefix_member(info, dist.site, "");
  bool in_prefix = !site.empty() && dist.site != info.base_prefix;
  std::string destination = in_prefix ? site_destination(info, site) : info.target_site;
  if (destination != site)
    source.notes.push_back(
        fmt::format("{}: {} -> {} (where python {} finds it)", dist.name, dist.site, destination, info.version_short));
  std::vector<std::string> missing, outside;
  for (const auto& file : dist.files) {
    auto member = join_member(destination, file);
    if (!member || member->empty()) {
      outside.push_back(file);
      continue;
    }
    std::string path = absolute_normal(dist.site, file);
    if (!lexists(path)) {
      missing.push_back(file);
      continue;
    }
    source.files.add(path, *member);
  }
  if (!missing.empty())
    source.warnings.push_back(fmt::format("{}: {} file(s) listed in its {} do not exist (first: {})", dist.name,
                                          missing.size(), dist.source, missing.front()));
  if (!outside.empty())
    source.warnings.push_back(fmt::format("{}: left out {} file(s) installed outside the prefix (first: {})", dist.name,
                                          outside.size(), outside.front()));
}

std::string normalized(std::string name) {
  for (char& c : name) c = c == '_' || c == '.' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return name;
}

/// What the user asked for, as import names: a name that is an import
/// package of some found distribution stands for itself; a distribution's
/// name stands for its top-level packages.
std::vector<std::string> imports_asked_for(const std::vector<std::string>& targets,
                                           const std::vector<DistInfo>& found) {
  // Debian's metadata lists a package as its directory alone ("torch").
  auto imports_of = [](const DistInfo& dist) {
    std::vector<std::string> names = top_level_imports(dist.files, "");
    for (const auto& f : dist.files) {
      struct stat st {};
      if (f.find('/') == std::string::npos && f.find('.') == std::string::npos && f.find('-') == std::string::npos &&
          ::stat((dist.site + "/" + f + "/__init__.py").c_str(), &st) == 0)
        names.push_back(f);
    }
    return names;
  };
  std::set<std::string> names, all;
  for (const auto& dist : found)
    for (const auto& n : imports_of(dist)) all.insert(n);
  for (const auto& target : targets) {
    if (all.contains(target)) {
      names.insert(target);
      continue;
    }
    for (const auto& dist : found)
      if (normalized(dist.name) == normalized(target))
        for (const auto& n : imports_of(dist)) names.insert(n);
  }
  return {names.begin(), names.end()};
}

}  // namespace

PackSource collect_dist(const PackOptions& options) {
  if (options.targets.empty()) fail("pack dist: name at least one distribution");
  std::string python = options.python.empty() ? "python3" : options.python;
  PythonInfo info = probe_python(python);
  DistQuery query = find_distributions(python, options.targets, options.deps);
  if (!query.missing.empty())
    fail("distribution{} not installed for python '{}': {}", query.missing.size() > 1 ? "s" : "", python,
         fmt::join(query.missing, ", "));

  PackSource source(make_filter(options));
  source.python = info;
  source.manifest.kind = "dist";
  describe_python(info, source.manifest);
  source.warnings = query.warnings;
  source.notes = query.notes;
  for (const auto& dist : query.found) {
    if (dist.files.size() <= 1 && (dist.source == "top_level.txt" || dist.source == "name"))
      fail(
          "{} {}: found its metadata in {} but no files: it has no RECORD or installed-files.txt and no import "
          "package named after it",
          dist.name, dist.version, dist.site);
    source.manifest.versions[dist.name] = dist.version;
    add_distribution(info, dist, source);
  }
  source.imports = imports_asked_for(options.targets, query.found);
  return source;
}

}  // namespace pybcast
