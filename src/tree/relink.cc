#include "tree/relink.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <map>
#include <set>

#include <fmt/format.h>

#include "tree/file_set.h"
#include "tree/link_rules.h"
#include "util/child_process.h"
#include "util/elf_deps.h"
#include "util/elf_search_path_edit.h"
#include "util/error.h"
#include "util/io.h"
#include "util/paths.h"
#include "util/timer.h"

namespace pybcast {

namespace {

/// Replaced directory trees may hold symlinks that leave them in turn; each
/// pass settles those the previous one brought in.
constexpr int kMaxPasses = 8;

std::string absolute_normal(const std::string& path) {
  return "/" + normalize_member(std::string_view(path).substr(1)).value_or("");
}

/// `path` made absolute against the working directory (`pack dir P` walks "P/...").
std::string absolute(const std::string& path) {
  if (path.starts_with("/")) return path;
  char cwd[PATH_MAX];
  if (::getcwd(cwd, sizeof cwd) == nullptr) throw_errno("the working directory", errno);
  return std::string(cwd) + "/" + path;
}

std::set<std::string> member_names(const std::vector<PackEntry>& entries) {
  std::set<std::string> names;
  for (const auto& e : entries) names.insert(e.member);
  return names;
}

void copy_file(const std::string& from, const std::string& to) {
  io::Fd out = io::open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  read_file_chunks(from, [&](std::span<const std::byte> bytes) { io::write_all(out.get(), bytes, to); });
}

/// Packs what the symlink points at in its place: a file's content and mode,
/// or a directory's tree. False when the target is neither.
bool replace_with_target(FileSet& files, const PackEntry& link, const std::string& target) {
  struct stat st {};
  if (::stat(target.c_str(), &st) != 0) return false;
  if (S_ISREG(st.st_mode)) {
    files.put_file(target, link.member, (st.st_mode & 0111) != 0);
    return true;
  }
  if (!S_ISDIR(st.st_mode)) return false;
  files.remove_if([&](const PackEntry& e) { return e.member == link.member; });
  files.add(target, link.member, true);
  return true;
}

/// patchelf on `copy`, for the edits that cannot be made in place; found on
/// PATH on first use (`patchelf` keeps its path for the next files).
void run_patchelf(std::string& patchelf, const std::string& copy, const std::string& joined, bool runpath,
                  const std::string& source, const std::string& old) {
  const char* tag = runpath ? "RUNPATH" : "RPATH";
  if (patchelf.empty()) {
    const char* path = std::getenv("PATH");
    patchelf = find_program("patchelf", path != nullptr ? path : "");
    if (patchelf.empty())
      fail(
          "{}: its {} '{}' must become '{}', which is longer and needs patchelf, and patchelf is not on PATH "
          "(Debian: apt-get install patchelf)",
          source, tag, old, joined);
  }
  std::vector<std::string> argv{patchelf};
  if (joined.empty()) {
    argv.insert(argv.end(), {"--remove-rpath", copy});
  } else {
    if (!runpath) argv.push_back("--force-rpath");
    argv.insert(argv.end(), {"--set-rpath", joined, copy});
  }
  ChildResult done = run_child(argv);
  if (done.status != 0)
    fail("patchelf could not rewrite the {} of a copy of {} (exit status {}): {}", tag, source, done.status,
         last_line(done.err));
}

}  // namespace

LinkReport settle_symlinks(FileSet& files) {
  LinkReport report;
  std::set<std::string> settled;
  for (int pass = 0; pass < kMaxPasses; ++pass) {
    std::vector<PackEntry> entries = files.entries();
    std::set<std::string> members = member_names(entries);
    std::map<std::string, std::string> by_source;
    for (const auto& e : entries)
      if (!e.source.empty()) by_source.emplace(e.source, e.member);
    auto is_member = [&](const std::string& m) { return members.contains(m); };
    auto member_of = [&](const std::string& path) -> std::optional<std::string> {
      for (const std::string& p : {path, real_path(path)})
        if (auto it = by_source.find(p); it != by_source.end()) return it->second;
      return std::nullopt;
    };
    bool any = false;
    for (const auto& e : entries) {
      if (e.type != EntryType::symlink || !settled.insert(e.member).second) continue;
      any = true;
      SymlinkFacts facts{e.member, e.link, "", true};
      if (!e.source.empty()) {
        facts.disk_target =
            absolute_normal(e.link.starts_with("/") ? e.link : parent_path(absolute(e.source)) + "/" + e.link);
        struct stat st {};
        facts.exists = ::stat(e.source.c_str(), &st) == 0;
      }
      LinkDecision d = classify_symlink(facts, is_member, member_of);
      std::string shown = e.member + " -> " + d.link;
      switch (d.kind) {
        case LinkKind::inside:
          ++report.inside;
          if (d.link != e.link) files.put_symlink(e.member, d.link);
          break;
        case LinkKind::system:
          ++report.system;
          if (d.link != e.link) files.put_symlink(e.member, d.link);
          report.system_links.push_back(shown);
          break;
        case LinkKind::dangling:
          ++report.dangling;
          report.dangling_links.push_back(shown);
          break;
        case LinkKind::replace: {
          std::string target = real_path(e.source);
          if (!replace_with_target(files, e, target)) {
            report.warnings.push_back(
                fmt::format("{} -> {}: kept as a symlink: its target is not a file or directory", e.member, e.link));
            break;
          }
          ++report.replaced;
          report.replaced_links.push_back(e.member + " -> " + target);
          break;
        }
      }
    }
    if (!any) return report;
  }
  for (const auto& e : files.entries())
    if (e.type == EntryType::symlink && !settled.contains(e.member))
      report.warnings.push_back(fmt::format("{} -> {}: kept as it is: symlinked directories nested more than {} deep",
                                            e.member, e.link, kMaxPasses));
  return report;
}

RunpathReport rewrite_runpaths(FileSet& files, const std::string& prefix, const TempDir& scratch,
                               const std::function<bool(const PackEntry&)>& may_be_elf) {
  RunpathReport report;
  std::vector<std::string> prefixes;
  if (!prefix.empty()) {
    prefixes.push_back(absolute_normal(absolute(prefix)));
    std::string real = real_path(prefix);
    if (real != prefixes.front()) prefixes.push_back(real);
  }
  std::vector<PackEntry> entries = files.entries();
  std::set<std::string> members = member_names(entries);
  auto is_member = [&](const std::string& m) { return members.contains(m); };
  std::string patchelf;
  Stopwatch clock;
  for (const auto& e : entries) {
    if (e.type != EntryType::file || e.source.empty() || (may_be_elf && !may_be_elf(e))) continue;
    std::optional<ElfDynamic> dyn = read_elf_dynamic(e.source);
    if (!dyn || (!dyn->has_runpath && !dyn->has_rpath)) continue;
    // With both, the loader ignores DT_RPATH.
    bool runpath = dyn->has_runpath;
    const std::string& text = runpath ? dyn->runpath_text : dyn->rpath_text;
    SearchPathRewrite r = rewrite_search_path(text, e.member, prefixes, is_member);
    for (const auto& o : r.outside) report.outside.push_back(fmt::format("{} (in {})", o, e.member));
    if (!r.changed) continue;
    std::string joined = fmt::format("{}", fmt::join(r.entries, ":"));
    std::string copy = fmt::format("{}/{}-{}", scratch.path(), report.rewritten, file_name(e.member));
    copy_file(e.source, copy);
    // The offsets must be the copy's own: the source may have changed since it was read.
    std::optional<ElfDynamic> copied = read_elf_dynamic(copy);
    if (!copied || (runpath ? copied->runpath_text : copied->rpath_text) != text)
      fail("{} changed while it was being read (its {} is no longer '{}')", e.source, runpath ? "RUNPATH" : "RPATH",
           text);
    if (!edit_search_path_in_place(copy, *copied, joined)) {
      run_patchelf(patchelf, copy, joined, runpath, e.source, text);
      ++report.by_patchelf;
    }
    files.put_file(copy, e.member, e.executable);
    ++report.rewritten;
  }
  report.seconds = clock.seconds();
  return report;
}

}  // namespace pybcast
