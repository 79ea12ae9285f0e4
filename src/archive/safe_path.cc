#include "archive/safe_path.h"

#include <climits>

#include "util/error.h"

namespace pybcast {

namespace {

template <typename Visit>
void for_each_component(std::string_view path, Visit visit) {
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    std::string_view part = path.substr(start, end - start);
    if (!part.empty() && part != ".") visit(part);
    start = end + 1;
  }
}

}  // namespace

PathParts split_member_path(std::string_view name) {
  if (name.find('\0') != std::string_view::npos) fail("name contains a NUL byte");
  if (name.size() >= PATH_MAX) fail("name is {} bytes long, over PATH_MAX ({})", name.size(), PATH_MAX);
  if (!name.empty() && name.front() == '/') fail("absolute path refused");
  PathParts parts;
  for_each_component(name, [&](std::string_view part) {
    if (part == "..") fail("path contains a '..' component");
    if (part.size() > NAME_MAX) fail("a component is {} bytes long, over NAME_MAX ({})", part.size(), NAME_MAX);
    parts.emplace_back(part);
  });
  return parts;
}

std::string join_parts(const PathParts& parts, size_t count) {
  std::string joined;
  for (size_t i = 0; i < count && i < parts.size(); ++i) {
    if (i) joined += '/';
    joined += parts[i];
  }
  return joined;
}

std::string shown_name(std::string_view name) {
  constexpr size_t kHead = 60, kTail = 30;
  if (name.size() <= kHead + kTail + 20) return std::string(name);
  return std::string(name.substr(0, kHead)) + "..." + std::string(name.substr(name.size() - kTail)) + " (" +
         std::to_string(name.size()) + " bytes)";
}

bool symlink_escapes(const PathParts& link, std::string_view target) {
  if (target.empty()) return false;
  if (target.front() == '/') return true;
  long depth = static_cast<long>(link.size()) - 1;  // directories above the link
  bool escapes = false;
  for_each_component(target, [&](std::string_view part) {
    depth += part == ".." ? -1 : 1;
    if (depth < 0) escapes = true;
  });
  return escapes;
}

}  // namespace pybcast
