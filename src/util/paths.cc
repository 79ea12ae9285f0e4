#include "util/paths.h"

#include <climits>
#include <cstdlib>

namespace pybcast {

bool is_within(std::string_view path, std::string_view dir) {
  if (dir.empty() || !path.starts_with(dir)) return false;
  return path.size() == dir.size() || dir.back() == '/' || path[dir.size()] == '/';
}

bool is_beneath(std::string_view path, std::string_view dir) { return path != dir && is_within(path, dir); }

std::string relative_to(std::string_view path, std::string_view dir) {
  if (path.size() == dir.size()) return "";
  return std::string(path.substr(dir.back() == '/' ? dir.size() : dir.size() + 1));
}

std::string real_path(const std::string& path) {
  char buffer[PATH_MAX];
  return ::realpath(path.c_str(), buffer) != nullptr ? std::string(buffer) : path;
}

}  // namespace pybcast
