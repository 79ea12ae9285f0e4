#include "pack/shared_libs.h"

#include <glob.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <deque>
#include <fstream>
#include <set>

#include <fmt/format.h>

#include "tree/link_rules.h"
#include "util/elf_deps.h"
#include "util/paths.h"
#include "util/settings.h"

namespace pybcast {

namespace {

bool exists(const std::string& path) { return ::access(path.c_str(), F_OK) == 0; }

void read_ld_conf(const std::string& path, std::vector<std::string>& dirs, int depth) {
  std::ifstream in(path);
  std::string line;
  while (depth < 8 && std::getline(in, line)) {
    line = line.substr(0, line.find('#'));
    size_t start = line.find_first_not_of(" \t");
    if (start == std::string::npos) continue;
    line = line.substr(start, line.find_last_not_of(" \t\r") - start + 1);
    if (line.starts_with("include")) {
      glob_t g{};
      if (::glob(line.substr(line.find_first_not_of(" \t", 7)).c_str(), 0, nullptr, &g) == 0)
        for (size_t i = 0; i < g.gl_pathc; ++i) read_ld_conf(g.gl_pathv[i], dirs, depth + 1);
      ::globfree(&g);
    } else if (line.front() == '/') {
      dirs.push_back(line);
    }
  }
}

/// A library as the loader would see it on a node: either inside the staged
/// prefix (member) or at a host path.
class Resolver {
 public:
  Resolver(FileSet& files, const LibrarySearch& search, LibraryReport& report) : files_(files), report_(report) {
    for (const auto& d : search.system_dirs) system_.insert(real_path(d));
    library_path_ = search.library_path;
    if (!search.prefix.empty()) prefixes_ = {search.prefix, real_path(search.prefix)};
  }

  void run() {
    for (const auto& e : files_.entries())
      if (e.type == EntryType::file && might_be_elf(e)) queue_.push_back(e);
    while (!queue_.empty()) {
      PackEntry e = std::move(queue_.front());
      queue_.pop_front();
      if (!scanned_.insert(e.member).second) continue;
      auto dyn = read_elf_dynamic(e.source);
      if (!dyn) continue;
      for (const auto& name : dyn->needed)
        if (name.find('/') == std::string::npos) resolve(e, *dyn, name);
    }
  }

 private:
  static bool might_be_elf(const PackEntry& e) { return e.executable || e.member.find(".so") != std::string::npos; }

  bool is_system(const std::string& dir) const { return system_.contains(real_path(dir)); }

  void add(const std::string& member, const std::string& source, const std::string& why) {
    std::string file = real_path(source);
    files_.put_file(file, member);
    report_.added.push_back(fmt::format("{} from {} ({})", member, parent_path(source), why));
    queue_.push_back(*files_.find(member));
  }

  /// An $ORIGIN path: the same place relative to the member as to its source.
  bool search_origin(const PackEntry& e, const std::string& dir, const std::string& name) {
    std::string rest = dir.substr(dir.starts_with("${ORIGIN}") ? 9 : 7);
    auto member_dir = join_member(parent_path(e.member), "." + rest);
    if (!member_dir) return false;  // points above the prefix: nothing the bundle can hold
    std::string member = member_dir->empty() ? name : *member_dir + "/" + name;
    if (files_.find(member) != nullptr) return true;
    std::string source = parent_path(e.source) + rest + "/" + name;
    if (!exists(source)) return false;
    add(member, source, "needed by " + e.member + " through $ORIGIN");
    return true;
  }

  /// Returns true when the search stops at this directory.
  bool search_dir(const PackEntry& e, const std::string& dir, const std::string& name, bool before_staged_lib) {
    if (dir.starts_with("$ORIGIN") || dir.starts_with("${ORIGIN}")) return search_origin(e, dir, name);
    if (dir.empty() || dir.front() != '/' || !exists(dir + "/" + name)) return false;
    if (is_system(dir)) return true;
    for (const auto& prefix : prefixes_) {
      if (!is_within(dir, prefix) || is_system_path(dir)) continue;
      auto member_dir = normalize_member(relative_to(dir, prefix));
      if (!member_dir) continue;
      std::string member = member_dir->empty() ? name : *member_dir + "/" + name;
      if (files_.find(member) == nullptr) add(member, dir + "/" + name, "needed by " + e.member);
      return true;
    }
    if (before_staged_lib) {
      report_.still_shared.push_back(
          fmt::format("{} loads {} from {}: its RPATH is searched before the bundle", e.member, name, dir));
    } else {
      add("lib/" + name, dir + "/" + name, "needed by " + e.member);
    }
    return true;
  }

  void resolve(const PackEntry& e, const ElfDynamic& dyn, const std::string& name) {
    if (dyn.runpath.empty())
      for (const auto& d : dyn.rpath)
        if (search_dir(e, d, name, true)) return;
    if (files_.find("lib/" + name) != nullptr) return;  // the launcher's LD_LIBRARY_PATH
    for (const auto& d : library_path_)
      if (search_dir(e, d, name, false)) return;
    for (const auto& d : dyn.runpath)
      if (search_dir(e, d, name, false)) return;
    for (const auto& d : system_)
      if (exists(d + "/" + name)) return;
    report_.not_found.push_back(fmt::format("{} needs {}, which is not found", e.member, name));
  }

  FileSet& files_;
  LibraryReport& report_;
  std::set<std::string> system_;
  std::vector<std::string> library_path_;
  std::vector<std::string> prefixes_;
  std::deque<PackEntry> queue_;
  std::set<std::string> scanned_;
};

}  // namespace

LibrarySearch LibrarySearch::from_host() {
  LibrarySearch s;
  read_ld_conf("/etc/ld.so.conf", s.system_dirs, 0);
  for (const char* d : {"/lib", "/usr/lib", "/lib64", "/usr/lib64"}) s.system_dirs.push_back(d);
  if (const char* env = std::getenv("LD_LIBRARY_PATH")) s.library_path = split_list(env);
  return s;
}

LibraryReport bundle_shared_libraries(FileSet& files, const LibrarySearch& search) {
  LibraryReport report;
  Resolver(files, search, report).run();
  return report;
}

}  // namespace pybcast
