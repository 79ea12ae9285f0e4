#include "tree/link_rules.h"

#include "tree/file_set.h"
#include "util/paths.h"

namespace pybcast {

namespace {

std::vector<std::string_view> components(std::string_view path) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (start < path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    if (end > start) parts.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return parts;
}

/// Every entry of a ':' list, empty ones included.
std::vector<std::string> split_keeping_empty(const std::string& text) {
  std::vector<std::string> items;
  size_t start = 0;
  while (true) {
    size_t end = text.find(':', start);
    items.push_back(text.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) return items;
    start = end + 1;
  }
}

std::string absolute_normal(std::string_view path) { return "/" + normalize_member(path.substr(1)).value_or(""); }

}  // namespace

bool is_system_path(std::string_view path) {
  for (const char* dir : {"/lib", "/usr/lib", "/lib64", "/usr/lib64", "/etc"})
    if (is_within(path, dir)) return true;
  return false;
}

std::string relative_member(std::string_view from_dir, std::string_view to) {
  std::vector<std::string_view> from = components(from_dir), target = components(to);
  size_t common = 0;
  while (common < from.size() && common < target.size() && from[common] == target[common]) ++common;
  std::string out;
  for (size_t i = common; i < from.size(); ++i) out += out.empty() ? ".." : "/..";
  for (size_t i = common; i < target.size(); ++i) {
    if (!out.empty()) out += '/';
    out += target[i];
  }
  return out.empty() ? "." : out;
}

LinkDecision classify_symlink(const SymlinkFacts& facts, const std::function<bool(const std::string&)>& is_member,
                              const std::function<std::optional<std::string>(const std::string&)>& member_of) {
  std::string dir = parent_path(facts.member);
  if (!facts.link.starts_with("/")) {
    auto target = join_member(dir, facts.link);
    if (target && is_member(*target)) return {LinkKind::inside, facts.link};
  }
  if (facts.disk_target.empty()) return {LinkKind::inside, facts.link};  // made up by pack: ours to get right
  if (!facts.exists) return {LinkKind::dangling, facts.link};
  if (auto member = member_of(facts.disk_target)) return {LinkKind::inside, relative_member(dir, *member)};
  if (is_system_path(facts.disk_target)) return {LinkKind::system, facts.disk_target};
  return {LinkKind::replace, facts.disk_target};
}

SearchPathRewrite rewrite_search_path(const std::string& text, const std::string& member,
                                      const std::vector<std::string>& prefixes,
                                      const std::function<bool(const std::string&)>& is_member) {
  SearchPathRewrite out;
  std::string dir = parent_path(member);
  for (const auto& entry : split_keeping_empty(text)) {
    if (entry.empty()) continue;
    if (entry.starts_with("$ORIGIN") || entry.starts_with("${ORIGIN}")) {
      out.entries.push_back(entry);
      continue;
    }
    if (!entry.starts_with("/")) continue;  // relative to the working directory: never what was meant
    std::string path = absolute_normal(entry);
    bool placed = false;
    for (const auto& prefix : prefixes) {
      if (prefix.empty() || !is_within(path, prefix)) continue;
      std::string target = relative_to(path, prefix);
      if (is_system_path(path) && !is_member(target)) break;  // /usr/lib/x86_64-linux-gnu of a /usr prefix
      std::string relative = relative_member(dir, target);
      out.entries.push_back(relative == "." ? "$ORIGIN" : "$ORIGIN/" + relative);
      placed = true;
      break;
    }
    if (placed) continue;
    out.entries.push_back(entry);
    if (!is_system_path(path)) out.outside.push_back(entry);
  }
  std::string joined;
  for (const auto& e : out.entries) joined += (joined.empty() ? "" : ":") + e;
  out.changed = joined != text;
  return out;
}

}  // namespace pybcast
