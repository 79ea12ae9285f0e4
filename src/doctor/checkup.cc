#include "doctor/checkup.h"

#include <algorithm>
#include <filesystem>
#include <optional>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "util/child_process.h"
#include "util/error.h"
#include "util/paths.h"
#include "util/settings.h"

namespace pybcast {

namespace {

/// Prints what doctor needs as one JSON line; `-c` so that sys.path is what
/// `python -c` would see ('' first, the working directory).
constexpr const char* kAskPython = R"(import json, site, sys
try:
    user = site.getusersitepackages() if site.ENABLE_USER_SITE else ""
except Exception:
    user = ""
print(json.dumps({"executable": sys.executable, "version": "%d.%d.%d" % tuple(sys.version_info[:3]),
                  "prefix": sys.prefix, "base_prefix": getattr(sys, "base_prefix", sys.prefix),
                  "user_site": user or "", "path": sys.path}))
)";

}  // namespace

std::string sys_path_advice(const std::string& entry, const PythonFacts& python) {
  std::string path = absolute_lexical(entry, "/");
  if (is_within(path, python.user_site))
    return "avoid ~/.local: set PYTHONNOUSERSITE=1 for the job, or pack the user base (`pybcast pack dir DIR`) and run "
           "python-mpi with it";
  std::error_code ec;
  bool conda = std::filesystem::exists(std::filesystem::path(python.prefix) / "conda-meta", ec);
  if (is_within(path, python.prefix) && (conda || python.prefix != python.base_prefix))
    return "pack the environment (`pybcast pack env DIR`) and run python-mpi with the bundle";
  if (is_within(path, python.base_prefix))
    return "pack the interpreter (`pybcast pack python`) and its packages (`pybcast pack dist NAME...`), and run "
           "python-mpi with the bundles";
  return advice_for(Source::kSysPath);
}

PythonFacts ask_python(const std::string& python) {
  PythonFacts facts;
  facts.command = python;
  try {
    ChildResult r = run_child({python, "-c", kAskPython});
    if (r.status != 0) fail("'{}' exited with status {}: {}", python, r.status, last_line(r.err));
    std::string line = last_line(r.out);
    nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) fail("'{}' did not answer as a Python 3 does: {}", python, line);
    facts.executable = j.value("executable", "");
    facts.version = j.value("version", "");
    facts.prefix = j.value("prefix", "");
    facts.base_prefix = j.value("base_prefix", "");
    facts.user_site = j.value("user_site", "");
    facts.path = j.value("path", std::vector<std::string>{});
  } catch (const std::exception& e) {
    PythonFacts failed;
    failed.command = python;
    failed.error = e.what();
    return failed;
  }
  return facts;
}

std::vector<Location> check_locations(const CheckupInputs& in) {
  std::vector<Location> out;
  auto add = [&](Source source, size_t index, const std::string& raw, const std::string& advice) {
    Location loc;
    loc.source = source;
    loc.index = index;
    loc.path = absolute_lexical(raw, in.cwd);
    loc.fs = probe_fs(loc.path);
    // The mount of the resolved path, so that a symlink (/home -> /lustre/home) shows where it leads.
    std::error_code ec;
    std::string resolved = std::filesystem::weakly_canonical(loc.path, ec).string();
    if (const Mount* m = find_mount(in.mounts, ec ? loc.path : resolved))
      loc.mount = m->point, loc.mount_type = m->type;
    if (loc.fs.shared) loc.advice = advice;
    out.push_back(std::move(loc));
  };
  auto add_list = [&](Source source, const char* variable) {
    const char* value = in.getenv(variable);
    if (value == nullptr) return;
    size_t index = 0;
    for (const auto& entry : split_list(value)) add(source, index++, entry, advice_for(source));
  };
  add_list(Source::kPath, "PATH");
  add_list(Source::kLdLibraryPath, "LD_LIBRARY_PATH");
  add_list(Source::kPythonPath, "PYTHONPATH");
  if (const char* base = in.getenv("PYTHONUSERBASE"); base != nullptr && *base != '\0')
    add(Source::kPythonUserBase, 0, base, advice_for(Source::kPythonUserBase));
  add_list(Source::kPythonHome, "PYTHONHOME");
  if (in.python != nullptr && in.python->error.empty()) {
    if (!in.python->executable.empty()) add(Source::kPython, 0, in.python->executable, advice_for(Source::kPython));
    for (size_t i = 0; i < in.python->path.size(); ++i) {
      if (in.python->path[i].empty()) continue;  // the working directory, checked as cwd
      std::string entry = absolute_lexical(in.python->path[i], in.cwd);
      bool listed = std::any_of(out.begin(), out.end(),
                                [&](const Location& l) { return l.source == Source::kPythonPath && l.path == entry; });
      if (!listed) add(Source::kSysPath, i, entry, sys_path_advice(entry, *in.python));
    }
  }
  add(Source::kCwd, 0, in.cwd, advice_for(Source::kCwd));
  if (!in.script.empty()) add(Source::kScript, 0, in.script, advice_for(Source::kScript));
  // Runtime caches: a variable that is set is listed; an unset one only when
  // its default under $HOME is shared (the tool may never run, but if it does
  // every rank of every node writes there).
  for (const RuntimeCache& cache : runtime_caches()) {
    const char* value = in.getenv(cache.variable);
    if (value != nullptr && *value != '\0') {
      add(cache.source, 0, value, advice_for(cache.source));
    } else if (std::optional<std::string> fallback = home_default_of(cache, in.getenv)) {
      add(cache.source, 0, *fallback, advice_for(cache.source));
      if (!out.back().fs.shared) out.pop_back();
    }
  }
  return out;
}

}  // namespace pybcast
