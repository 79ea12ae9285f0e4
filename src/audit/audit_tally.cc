#include "audit/audit_tally.h"

#include <algorithm>
#include <filesystem>

#include <fmt/format.h>

#include "util/fs_probe.h"
#include "util/paths.h"
#include "util/settings.h"
#include "util/shared_fs_advice.h"

namespace pybcast {

namespace {

using nlohmann::json;

std::string parent_of(const std::string& path) {
  std::string parent = std::filesystem::path(path).parent_path().string();
  return parent.empty() ? "/" : parent;
}

json where_json(const OffNode& where) {
  return {{"fs", where.fs}, {"mount", where.mount}, {"mount_type", where.mount_type}};
}

OffNode where_from(const json& j) {
  return {j.at("fs").get<std::string>(), j.at("mount").get<std::string>(), j.at("mount_type").get<std::string>()};
}

/// "fuse (fuse.slowfs)", or just "nfs" when the mount table says the same.
std::string fs_label(const OffNode& where) {
  return where.mount_type.empty() || where.mount_type == where.fs ? where.fs
                                                                  : fmt::format("{} ({})", where.fs, where.mount_type);
}

struct DirTally {
  OffNode where;
  uint64_t ops = 0, failed = 0;
};

std::map<std::string, DirTally> by_directory(const AuditTally& tally) {
  std::map<std::string, DirTally> dirs;
  for (const auto& [path, entry] : tally.paths) {
    DirTally& d = dirs[parent_of(path)];
    d.where = entry.where;
    d.ops += entry.total();
    d.failed += entry.failed;
  }
  return dirs;
}

/// The `top` keys of `items` by `score` (largest first; ties by key), score > 0 only.
template <typename Map, typename Score>
std::vector<typename Map::const_iterator> top_of(const Map& items, size_t top, Score score) {
  std::vector<typename Map::const_iterator> out;
  for (auto it = items.begin(); it != items.end(); ++it)
    if (score(it->second) > 0) out.push_back(it);
  std::stable_sort(out.begin(), out.end(), [&](auto a, auto b) { return score(a->second) > score(b->second); });
  if (out.size() > top) out.resize(top);
  return out;
}

}  // namespace

Classifier mount_classifier() {
  auto mounts = std::make_shared<std::vector<Mount>>(read_mounts());
  auto kinds = std::make_shared<std::map<std::string, FsKind>>();
  return [mounts, kinds](const std::string& path) -> std::optional<OffNode> {
    const Mount* mount = find_mount(*mounts, path);
    std::string point = mount != nullptr ? mount->point : "/";
    auto it = kinds->find(point);
    if (it == kinds->end()) it = kinds->emplace(point, probe_fs(point)).first;
    if (!it->second.shared) return std::nullopt;
    return OffNode{it->second.name, point, mount != nullptr ? mount->type : ""};
  };
}

uint64_t PathTally::total() const {
  uint64_t sum = 0;
  for (uint64_t n : ops) sum += n;
  return sum;
}

uint64_t AuditTally::total_ops() const {
  uint64_t sum = 0;
  for (const auto& [point, fs] : filesystems) sum += fs.ops;
  return sum;
}

uint64_t AuditTally::total_failed() const {
  uint64_t sum = 0;
  for (const auto& [point, fs] : filesystems) sum += fs.failed;
  return sum;
}

AuditTally tally_rank(const std::optional<std::vector<PathOps>>& record, uint64_t dropped,
                      const std::string& staged_prefix, const Classifier& classify) {
  AuditTally tally;
  tally.ranks = 1;
  if (!record) return tally;
  tally.audited_ranks = 1;
  tally.dropped = dropped;
  for (const PathOps& op : *record) {
    std::string path = absolute_lexical(op.path, "/");
    if (!staged_prefix.empty() && is_within(path, staged_prefix)) continue;
    std::optional<OffNode> where = classify(path);
    if (!where) continue;
    PathTally& entry = tally.paths[path];
    entry.where = *where;
    for (size_t i = 0; i < op.ops.size(); ++i) entry.ops[i] += op.ops[i];
    entry.failed += op.failed;
    FsTally& fs = tally.filesystems[where->mount];
    fs.where = *where;
    fs.ops += op.total();
    fs.failed += op.failed;
  }
  for (auto& [point, fs] : tally.filesystems) fs.max_per_rank = fs.ops;
  return tally;
}

void merge_tally(AuditTally& into, const AuditTally& other) {
  into.ranks += other.ranks;
  into.audited_ranks += other.audited_ranks;
  into.dropped += other.dropped;
  for (const auto& [path, entry] : other.paths) {
    PathTally& mine = into.paths[path];
    mine.where = entry.where;
    for (size_t i = 0; i < entry.ops.size(); ++i) mine.ops[i] += entry.ops[i];
    mine.failed += entry.failed;
  }
  for (const auto& [point, fs] : other.filesystems) {
    FsTally& mine = into.filesystems[point];
    mine.where = fs.where;
    mine.ops += fs.ops;
    mine.failed += fs.failed;
    mine.max_per_rank = std::max(mine.max_per_rank, fs.max_per_rank);
  }
}

json tally_to_json(const AuditTally& tally) {
  json entries = json::array();
  for (const auto& [path, entry] : tally.paths) {
    json by_op = json::object();
    for (int op = 0; op < PYBCAST_AUDIT_OPS; ++op)
      if (entry.ops[op] != 0) by_op[audit_op_name(op)] = entry.ops[op];
    json e = where_json(entry.where);
    e["path"] = path;
    e["ops"] = entry.total();
    e["failed"] = entry.failed;
    e["by_op"] = by_op;
    entries.push_back(e);
  }
  json filesystems = json::array();
  for (const auto& [point, fs] : tally.filesystems) {
    json f = where_json(fs.where);
    f["ops"] = fs.ops;
    f["failed"] = fs.failed;
    f["ops_per_rank_max"] = fs.max_per_rank;
    f["ops_per_rank_mean"] = tally.audited_ranks > 0 ? static_cast<double>(fs.ops) / tally.audited_ranks : 0.0;
    filesystems.push_back(f);
  }
  return {{"ranks", tally.ranks},
          {"audited_ranks", tally.audited_ranks},
          {"dropped_ops", tally.dropped},
          {"filesystems", filesystems},
          {"entries", entries}};
}

AuditTally tally_from_json(const json& j) {
  AuditTally tally;
  tally.ranks = j.at("ranks").get<int>();
  tally.audited_ranks = j.at("audited_ranks").get<int>();
  tally.dropped = j.at("dropped_ops").get<uint64_t>();
  for (const json& e : j.at("entries")) {
    PathTally& entry = tally.paths[e.at("path").get<std::string>()];
    entry.where = where_from(e);
    for (int op = 0; op < PYBCAST_AUDIT_OPS; ++op) entry.ops[op] = e.at("by_op").value(audit_op_name(op), uint64_t{0});
    entry.failed = e.at("failed").get<uint64_t>();
  }
  for (const json& f : j.at("filesystems")) {
    FsTally& fs = tally.filesystems[f.at("mount").get<std::string>()];
    fs.where = where_from(f);
    fs.ops = f.at("ops").get<uint64_t>();
    fs.failed = f.at("failed").get<uint64_t>();
    fs.max_per_rank = f.at("ops_per_rank_max").get<uint64_t>();
  }
  return tally;
}

std::vector<AuditPlace> audit_places(const std::function<const char*(const char*)>& getenv, const std::string& cwd) {
  std::vector<AuditPlace> places;
  auto add = [&](const char* what, Source source, const std::string& path) {
    if (!path.empty()) places.push_back({what, absolute_lexical(path, cwd), advice_for(source)});
  };
  auto each = [&](const char* variable, const char* what, Source source) {
    if (const char* value = getenv(variable))
      for (const auto& entry : split_list(value)) add(what, source, entry);
  };
  each("PYTHONPATH", "PYTHONPATH entry", Source::kPythonPath);
  each("LD_LIBRARY_PATH", "LD_LIBRARY_PATH entry", Source::kLdLibraryPath);
  if (const char* base = getenv("PYTHONUSERBASE")) add("PYTHONUSERBASE", Source::kPythonUserBase, base);
  if (const char* home = getenv("PYTHONHOME")) add("PYTHONHOME", Source::kPythonHome, home);
  add("the working directory", Source::kCwd, cwd);
  return places;
}

std::vector<AuditFix> audit_fixes(const AuditTally& tally, const std::vector<AuditPlace>& places) {
  std::vector<AuditFix> fixes;
  for (const AuditPlace& place : places) {
    AuditFix fix{place.what, place.path, "", 0, 0, place.advice};
    for (const auto& [path, entry] : tally.paths) {
      if (!is_within(path, place.path)) continue;
      fix.fs = fs_label(entry.where);
      fix.ops += entry.total();
      fix.failed += entry.failed;
    }
    bool listed = std::any_of(fixes.begin(), fixes.end(), [&](const AuditFix& f) { return f.path == fix.path; });
    if (fix.ops > 0 && !listed) fixes.push_back(fix);
  }
  // Library searches elsewhere: an absolute RUNPATH (or a path the program dlopen()s).
  std::map<std::string, AuditFix> searched;
  for (const auto& [path, entry] : tally.paths) {
    uint64_t searches = entry.ops[PYBCAST_AUDIT_SEARCH];
    if (searches == 0) continue;
    std::string dir = parent_of(path);
    bool covered =
        std::any_of(places.begin(), places.end(), [&](const AuditPlace& p) { return is_within(dir, p.path); });
    if (covered) continue;
    AuditFix& fix = searched[dir];
    fix.what = "library search directory";
    fix.path = dir;
    fix.fs = fs_label(entry.where);
    fix.ops += searches;
    fix.failed += std::min(entry.failed, searches);
    fix.advice =
        "the loader looks for libraries here (an absolute RUNPATH/RPATH or a dlopen() path): pack the program "
        "with its libraries (`pybcast pack` makes RUNPATH entries $ORIGIN-relative)";
  }
  for (auto& [dir, fix] : searched) fixes.push_back(std::move(fix));
  return fixes;
}

json audit_report_json(const AuditTally& tally, const std::vector<AuditFix>& fixes) {
  json j = tally_to_json(tally);
  j["version"] = 1;
  j["total_off_node_ops"] = tally.total_ops();
  j["failed_off_node_ops"] = tally.total_failed();
  json dirs = json::array();
  for (const auto& [dir, d] : by_directory(tally)) {
    json e = where_json(d.where);
    e["path"] = dir;
    e["ops"] = d.ops;
    e["failed"] = d.failed;
    dirs.push_back(e);
  }
  j["directories"] = dirs;
  json fix_list = json::array();
  for (const auto& f : fixes)
    fix_list.push_back(
        {{"what", f.what}, {"path", f.path}, {"fs", f.fs}, {"ops", f.ops}, {"failed", f.failed}, {"advice", f.advice}});
  j["fixes"] = fix_list;
  return j;
}

std::string format_audit_screen(const AuditTally& tally, const std::vector<AuditFix>& fixes, size_t top) {
  std::string out = fmt::format("audit: {} of {} ranks audited: {} file-system operations off the node",
                                tally.audited_ranks, tally.ranks, tally.total_ops());
  if (tally.total_ops() > 0) out += fmt::format(" ({} failed)", tally.total_failed());
  out += "\n";
  if (tally.audited_ranks < tally.ranks)
    out += fmt::format("  warning: {} ranks ran without the preload library (PYBCAST_AUDIT differed?)\n",
                       tally.ranks - tally.audited_ranks);
  if (tally.dropped > 0)
    out += fmt::format("  warning: {} operations not counted (the table of distinct paths was full)\n", tally.dropped);
  if (tally.total_ops() == 0) return out;
  double ranks = std::max(tally.audited_ranks, 1);
  out += fmt::format("  {:<28} {:>10} {:>10} {:>12} {:>10}  {}\n", "file system", "mean/rank", "max/rank", "total",
                     "failed", "mount");
  for (const auto& [point, fs] : tally.filesystems)
    out += fmt::format("  {:<28} {:>10.1f} {:>10} {:>12} {:>10}  {}\n", fs_label(fs.where), fs.ops / ranks,
                       fs.max_per_rank, fs.ops, fs.failed, point);
  auto successful = [](const PathTally& e) { return e.total() - std::min(e.failed, e.total()); };
  out += fmt::format("  top paths (operations that succeeded, whole job):\n");
  for (auto it : top_of(tally.paths, top, successful))
    out += fmt::format("  {:>12}  {}  [{}]\n", successful(it->second), it->first, it->second.where.fs);
  auto failed = [](const PathTally& e) { return e.failed; };
  if (tally.total_failed() > 0) {
    out += "  top failed lookups:\n";
    for (auto it : top_of(tally.paths, top, failed))
      out += fmt::format("  {:>12}  {}  [{}]\n", it->second.failed, it->first, it->second.where.fs);
  }
  std::map<std::string, DirTally> dirs = by_directory(tally);
  out += "  top directories (operations on their entries, failed):\n";
  for (auto it : top_of(dirs, top, [](const DirTally& d) { return d.ops; }))
    out += fmt::format("  {:>12} {:>8}  {}  [{}]\n", it->second.ops, it->second.failed, it->first, it->second.where.fs);
  for (const auto& f : fixes)
    out += fmt::format("  fix: {} {} on {}: {} failed lookups, {} operations over {} ranks; {}\n", f.what, f.path, f.fs,
                       f.failed, f.ops, tally.audited_ranks, f.advice);
  return out;
}

}  // namespace pybcast
