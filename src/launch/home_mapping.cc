#include "launch/home_mapping.h"

#include <filesystem>

#include <fmt/format.h>

#include "cache/node_layout.h"
#include "launch/staged_python.h"

namespace fs = std::filesystem;

namespace pybcast {

namespace {

/// `path` relative to `base` when it is `base` or under it ("" for base itself).
std::optional<fs::path> relative_under(const fs::path& path, const fs::path& base) {
  fs::path rel = path.lexically_relative(base);
  if (rel.empty() || *rel.begin() == "..") return std::nullopt;
  if (rel == ".") return fs::path();
  return rel;
}

/// Splits on ':' keeping empty entries (they mean the working directory to Python).
std::vector<std::string> split_keeping_empty(const std::string& value) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t colon; (colon = value.find(':', start)) != std::string::npos; start = colon + 1)
    out.push_back(value.substr(start, colon - start));
  out.push_back(value.substr(start));
  return out;
}

}  // namespace

std::string PathMapping::describe() const {
  if (replaced) return fmt::format("{} {} -> {} (replaced: outside the staged copy)", variable, from, to);
  return fmt::format("{} {} -> {}", variable, from, to);
}

std::optional<std::string> map_to_staged(const std::string& path, const std::vector<std::string>& source_prefixes,
                                         const std::string& staged_prefix, const PathExists& exists) {
  fs::path p = fs::path(path).lexically_normal();
  if (!p.is_absolute()) return std::nullopt;
  std::optional<fs::path> best;
  size_t best_length = 0;
  for (const auto& source : source_prefixes) {
    if (source.empty() || source[0] != '/') continue;
    fs::path base = fs::path(source).lexically_normal();
    std::optional<fs::path> rel = relative_under(p, base);
    if (rel && (!best || base.string().size() > best_length)) best = rel, best_length = base.string().size();
  }
  if (!best) return std::nullopt;
  fs::path target = (fs::path(staged_prefix) / *best).lexically_normal();
  std::string out = target.string();
  if (out.size() > 1 && out.back() == '/') out.pop_back();
  if (!exists(out)) return std::nullopt;
  return out;
}

PythonPathResult map_python_path(const std::string& value, const std::vector<std::string>& source_prefixes,
                                 const std::string& staged_prefix, const PathExists& exists, bool keep) {
  PythonPathResult result;
  std::vector<std::string> entries = split_keeping_empty(value);
  for (size_t i = 0; i < entries.size(); ++i) {
    std::string entry = entries[i];
    if (std::optional<std::string> mapped = map_to_staged(entry, source_prefixes, staged_prefix, exists)) {
      result.mappings.push_back({"PYTHONPATH", entry, *mapped});
      if (!keep) entry = *mapped;
    }
    result.value += (i == 0 ? "" : ":") + entry;
  }
  return result;
}

HomeDecision decide_python_home(const HomeInputs& in) {
  if (!in.user_home) return {HomeChoice::kStaged, ""};
  const std::string& home = *in.user_home;
  // Exported by an earlier `stage --print-env` of this job script: ours, not
  // the user's. The same home in this stage if there is one, else the staged
  // home, as if PYTHONHOME were unset.
  if (std::optional<std::string> rest = layout::path_in_some_entry(home)) {
    std::string same = (fs::path(in.staged_prefix) / *rest).lexically_normal().string();
    if (same.size() > 1 && same.back() == '/') same.pop_back();
    if (in.is_home(same)) return {HomeChoice::kEarlierStage, same};
    return {HomeChoice::kStaged, ""};
  }
  if (std::optional<std::string> mapped = remap_home_under_chroot(home, in.chroot, in.staged_prefix))
    return {HomeChoice::kUnderChroot, *mapped};
  std::vector<std::string> parts = split_keeping_empty(home);
  std::optional<std::string> target;
  for (const auto& part : parts) {
    std::optional<std::string> one = map_to_staged(part, in.source_prefixes, in.staged_prefix, in.is_home);
    if (!one || (target && *one != *target)) {
      target.reset();
      break;
    }
    target = one;
  }
  if (target && !in.keep) return {HomeChoice::kMapped, *target};
  if (in.keep) return {HomeChoice::kKept, home};
  return {HomeChoice::kReplaced, ""};
}

}  // namespace pybcast
