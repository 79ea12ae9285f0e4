#include "tree/prepare_tree.h"

#include <fmt/format.h>

#include "util/paths.h"

namespace pybcast {

namespace {

constexpr size_t kListedExamples = 3;

}  // namespace

std::string list_examples(const std::vector<std::string>& items) {
  std::string text;
  for (size_t i = 0; i < items.size() && i < kListedExamples; ++i) text += (i ? ", " : "") + items[i];
  if (items.size() > kListedExamples) text += fmt::format(" and {} more", items.size() - kListedExamples);
  return text;
}

std::string source_prefix(const PackSource& source) {
  std::string prefix = source.prefix.empty() ? source.manifest.layout.source_prefix : source.prefix;
  return prefix.empty() || prefix.starts_with("/") ? prefix : real_path(prefix);
}

ManifestLinks settle_links(PackSource& source) {
  LinkReport r = settle_symlinks(source.files);
  uint64_t total = r.inside + r.system + r.replaced + r.dangling;
  if (total != 0)
    source.notes.push_back(fmt::format(
        "symlinks: {} inside the bundle, {} to system directories every node has, {} replaced by their targets, {} "
        "dangling",
        r.inside, r.system, r.replaced, r.dangling));
  if (!r.system_links.empty())
    source.notes.push_back(fmt::format("{} symlink(s) point into system directories, as absolute links: {}",
                                       r.system_links.size(), list_examples(r.system_links)));
  if (!r.replaced_links.empty())
    source.notes.push_back(fmt::format("{} symlink(s) left the bundle and are packed as their targets: {}",
                                       r.replaced_links.size(), list_examples(r.replaced_links)));
  // The manifest keeps the whole list; the message names the first few.
  if (!r.dangling_links.empty())
    source.warnings.push_back(fmt::format("{} dangling symlink(s), kept as they are: {}", r.dangling_links.size(),
                                          list_examples(r.dangling_links)));
  for (auto& w : r.warnings) source.warnings.push_back(std::move(w));
  return {r.inside,
          r.system,
          r.replaced,
          r.dangling,
          std::move(r.system_links),
          std::move(r.replaced_links),
          std::move(r.dangling_links)};
}

RunpathReport relocate_runpaths(PackSource& source, const TempDir& scratch,
                                const std::function<bool(const PackEntry&)>& may_be_elf) {
  RunpathReport r = rewrite_runpaths(source.files, source_prefix(source), scratch, may_be_elf);
  if (r.rewritten != 0)
    source.notes.push_back(fmt::format(
        "rewrote the RUNPATH/RPATH of {} ELF file(s) to $ORIGIN-relative entries{}", r.rewritten,
        r.by_patchelf == 0 ? ""
                           : fmt::format(" ({} by patchelf: the new text is longer than the old)", r.by_patchelf)));
  if (!r.outside.empty())
    source.warnings.push_back(fmt::format(
        "{} RUNPATH/RPATH entr{} outside the bundle and the system directories, searched from every rank at run "
        "time: {}",
        r.outside.size(), r.outside.size() == 1 ? "y" : "ies", list_examples(r.outside)));
  return r;
}

}  // namespace pybcast
