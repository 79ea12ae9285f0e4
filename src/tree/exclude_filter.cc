#include "tree/exclude_filter.h"

#include <fnmatch.h>

namespace pybcast {

const std::vector<std::string>& ExcludeFilter::default_globs() {
  static const std::vector<std::string> globs{"*.png", "*.jpg", "*.html", "*.pyo", "*.pyc"};
  return globs;
}

void ExcludeFilter::add_glob(const std::string& glob) {
  std::string trimmed = glob;
  while (trimmed.size() > 1 && trimmed.back() == '/') trimmed.pop_back();  // "test/" names a directory
  (trimmed.find('/') == std::string::npos ? name_globs_ : path_globs_).push_back(trimmed);
}

void ExcludeFilter::add_pruned(const std::string& member) { pruned_.push_back(member); }

bool ExcludeFilter::excluded(std::string_view member) const {
  for (const auto& p : pruned_) {
    if (member.starts_with(p) && (member.size() == p.size() || member[p.size()] == '/')) return true;
  }
  // Check the member and each of its parents: a rule may name a directory.
  size_t start = 0;
  while (start <= member.size()) {
    size_t end = member.find('/', start);
    if (end == std::string_view::npos) end = member.size();
    std::string name(member.substr(start, end - start));
    std::string path(member.substr(0, end));
    for (const auto& g : name_globs_)
      if (::fnmatch(g.c_str(), name.c_str(), 0) == 0) return true;
    for (const auto& g : path_globs_)
      if (::fnmatch(g.c_str(), path.c_str(), 0) == 0) return true;
    start = end + 1;
  }
  return false;
}

}  // namespace pybcast
