#include "doctor/doctor_report.h"

#include <algorithm>

#include <fmt/format.h>

namespace pybcast {

namespace {

using Json = nlohmann::ordered_json;

Json string_or_null(const std::string& s) { return s.empty() ? Json(nullptr) : Json(s); }

std::string hex_magic(uint32_t magic) { return fmt::format("0x{:x}", magic); }

/// "fuse (fuse.slowfs)": the mount type only where it says more than the magic.
std::string fs_label(const FsKind& fs, const std::string& mount_type) {
  bool more = mount_type.starts_with(fs.name + ".") || (fs.name.starts_with("unknown") && !mount_type.empty());
  return more ? fmt::format("{} ({})", fs.name, mount_type) : fs.name;
}

std::string where(const Location& l) {
  switch (l.source) {
    case Source::kPythonUserBase:
    case Source::kPython:
    case Source::kCwd:
    case Source::kScript:
    case Source::kTritonCache:
    case Source::kInductorCache:
    case Source::kNumbaCache:
    case Source::kCupyCache:
    case Source::kMplConfig:
    case Source::kXdgCache: return source_name(l.source);
    default: return fmt::format("{}[{}]", source_name(l.source), l.index);
  }
}

/// Rows padded to their columns' widths; the last column is not padded.
std::string aligned(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths;
  for (const auto& row : rows)
    for (size_t i = 0; i < row.size(); ++i) {
      if (widths.size() <= i) widths.push_back(0);
      widths[i] = std::max(widths[i], row[i].size());
    }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i)
      line += i + 1 == row.size() ? row[i] : fmt::format("{:<{}}  ", row[i], widths[i]);
    out += line + "\n";
  }
  return out;
}

std::string calls_summary(const std::map<std::string, uint64_t>& calls) {
  std::vector<std::pair<std::string, uint64_t>> sorted(calls.begin(), calls.end());
  std::stable_sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  std::string out;
  for (const auto& [call, n] : sorted) out += fmt::format("{}{} {}", out.empty() ? "" : ", ", call, n);
  return out;
}

std::string measure_table(const Measurement& m, const std::string& python) {
  std::string out = fmt::format("\nFile metadata operations of {} -c '{}' ({}; exit status {}{}):\n", python, m.code,
                                m.method == "strace" ? "counted with strace" : "ESTIMATE, strace not used",
                                m.exit_status, m.error.empty() ? "" : ": " + m.error);
  if (!m.note.empty()) out += fmt::format("  note: {}\n", m.note);
  std::vector<std::vector<std::string>> rows{{"MOUNT", "FILE SYSTEM", "VERDICT", "OPS", "ENOENT", "CALLS"}};
  for (const auto& fs : m.filesystems)
    rows.push_back({fs.mount, fs_label(fs.fs, fs.mount_type), fs.fs.shared ? "shared" : "ok", std::to_string(fs.ops),
                    std::to_string(fs.enoent), calls_summary(fs.calls)});
  out += aligned(rows);
  out += fmt::format("{} operations in total, {} on shared file systems\n", m.total_ops, m.shared_ops);
  return out;
}

}  // namespace

size_t shared_locations(const DoctorReport& report) {
  return std::count_if(report.locations.begin(), report.locations.end(), [](const auto& l) { return l.fs.shared; });
}

bool anything_shared(const DoctorReport& report) {
  return shared_locations(report) > 0 || (report.measure && report.measure->shared_ops > 0);
}

bool any_cache_damage(const DoctorReport& report) {
  return std::any_of(report.cache_entries.begin(), report.cache_entries.end(),
                     [](const CacheEntryCheck& c) { return c.differing > 0; });
}

Json doctor_json(const DoctorReport& report) {
  Json j;
  j["schema"] = kDoctorSchema;
  j["status"] = anything_shared(report) ? "shared" : "ok";
  j["shared_locations"] = shared_locations(report);
  const PythonFacts& py = report.python;
  j["python"] = {{"command", py.command},
                 {"executable", string_or_null(py.executable)},
                 {"version", string_or_null(py.version)},
                 {"prefix", string_or_null(py.prefix)},
                 {"base_prefix", string_or_null(py.base_prefix)},
                 {"user_site", string_or_null(py.user_site)},
                 {"error", string_or_null(py.error)}};
  j["locations"] = Json::array();
  for (const auto& l : report.locations)
    j["locations"].push_back({{"source", source_name(l.source)},
                              {"index", l.index},
                              {"path", l.path},
                              {"exists", l.fs.exists},
                              {"fs", l.fs.name},
                              {"magic", hex_magic(l.fs.magic)},
                              {"mount", string_or_null(l.mount)},
                              {"mount_type", string_or_null(l.mount_type)},
                              {"shared", l.fs.shared},
                              {"advice", string_or_null(l.advice)}});
  j["notes"] = report.notes;
  j["cache"] = {{"chroot", report.chroot}, {"entries", Json::array()}};
  for (const auto& c : report.cache_entries)
    j["cache"]["entries"].push_back({{"path", c.path},
                                     {"files", c.files},
                                     {"differing", c.differing},
                                     {"problems", c.problems},
                                     {"unverifiable", c.unverifiable},
                                     {"error", string_or_null(c.error)}});
  j["measure"] = nullptr;
  if (const auto& m = report.measure) {
    Json filesystems = Json::array();
    for (const auto& fs : m->filesystems)
      filesystems.push_back({{"mount", fs.mount},
                             {"mount_type", string_or_null(fs.mount_type)},
                             {"fs", fs.fs.name},
                             {"magic", hex_magic(fs.fs.magic)},
                             {"shared", fs.fs.shared},
                             {"ops", fs.ops},
                             {"enoent", fs.enoent},
                             {"calls", fs.calls}});
    j["measure"] = {{"code", m->code},
                    {"method", m->method},
                    {"note", string_or_null(m->note)},
                    {"exit_status", m->exit_status},
                    {"error", string_or_null(m->error)},
                    {"total_ops", m->total_ops},
                    {"shared_ops", m->shared_ops},
                    {"filesystems", filesystems}};
  }
  return j;
}

std::string format_doctor_table(const DoctorReport& report) {
  const PythonFacts& py = report.python;
  std::string out =
      py.error.empty()
          ? fmt::format("python: {}{} (Python {})\n\n", py.command,
                        py.command == py.executable ? "" : " is " + py.executable, py.version)
          : fmt::format("python: {} could not be asked, sys.path is not checked: {}\n\n", py.command, py.error);
  std::vector<std::string> advice;  // distinct texts, numbered in order of first use
  std::vector<std::vector<std::string>> rows{{"WHERE", "FILE SYSTEM", "VERDICT", "PATH"}};
  for (const auto& l : report.locations) {
    std::string verdict = "ok";
    if (l.fs.shared) {
      std::string text = fmt::format("{}: {}", source_name(l.source), l.advice);
      auto it = std::find(advice.begin(), advice.end(), text);
      if (it == advice.end()) it = advice.insert(it, text);
      verdict = fmt::format("shared [{}]", it - advice.begin() + 1);
    }
    rows.push_back({where(l), fs_label(l.fs, l.mount_type), verdict, l.path + (l.fs.exists ? "" : " (missing)")});
  }
  out += aligned(rows);
  if (!advice.empty()) {
    out += "\nWhat to change:\n";
    for (size_t i = 0; i < advice.size(); ++i) out += fmt::format("  [{}] {}\n", i + 1, advice[i]);
  }
  if (report.measure) out += measure_table(*report.measure, py.command);
  if (!report.cache_entries.empty()) {
    out += fmt::format("\nCache entries under {} (re-hashed against their bundles' manifests):\n", report.chroot);
    for (const auto& c : report.cache_entries) {
      std::string verdict = !c.error.empty()  ? "CANNOT CHECK: " + c.error
                            : c.differing > 0 ? fmt::format("CHANGED: {} of {} files differ", c.differing, c.files)
                                              : fmt::format("ok ({} files)", c.files);
      if (!c.unverifiable.empty())
        verdict += fmt::format("; not verifiable (no manifest): {}", fmt::join(c.unverifiable, ", "));
      out += fmt::format("  {}  {}\n", c.path, verdict);
      for (const auto& p : c.problems) out += fmt::format("    {}\n", p);
    }
    if (any_cache_damage(report))
      out += "  A changed entry is staged again by `pybcast stage --verify-cache` (or removed by `pybcast gc`).\n";
  }
  if (!report.notes.empty()) {
    out += "\nNotes:\n";
    for (const auto& note : report.notes) out += "  " + note + "\n";
  }
  size_t shared = shared_locations(report);
  out += shared > 0
             ? fmt::format("\n{} of {} locations are on a shared file system.\n", shared, report.locations.size())
             : fmt::format("\nNone of the {} locations is on a shared file system.\n", report.locations.size());
  return out;
}

}  // namespace pybcast
