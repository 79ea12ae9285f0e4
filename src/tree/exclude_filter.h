#pragma once
// Which paths stay out of a bundle. The seed's users passed
// `tar --exclude=*.png ...`; these rules keep that meaning.
#include <string>
#include <string_view>
#include <vector>

namespace pybcast {

class ExcludeFilter {
 public:
  /// The seed's list: *.png *.jpg *.html *.pyo *.pyc.
  static const std::vector<std::string>& default_globs();

  /// A glob without '/' matches any one component of a member's path (so
  /// `tests` drops every tests directory); a glob with '/' matches the whole
  /// path of the member or of one of its parent directories. fnmatch syntax.
  void add_glob(const std::string& glob);
  /// Drops this member and everything below it.
  void add_pruned(const std::string& member);

  bool excluded(std::string_view member) const;

 private:
  std::vector<std::string> name_globs_;
  std::vector<std::string> path_globs_;
  std::vector<std::string> pruned_;
};

}  // namespace pybcast
