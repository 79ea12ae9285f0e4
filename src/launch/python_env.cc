#include "launch/python_env.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include <fmt/format.h>

#include "cache/node_layout.h"
#include "util/error.h"
#include "util/settings.h"
#include "util/shared_fs_advice.h"
#include "util/text.h"

namespace pybcast {

namespace {

/// first:rest, without the entries of rest that lie in a staged entry: an
/// earlier `stage --print-env` of the same job script put them there, and
/// they would mix that stage's libraries into this one.
std::string prepend(const std::string& first, const char* rest) {
  std::string out = first;
  if (rest == nullptr || *rest == '\0') return out;
  std::string_view list(rest);
  for (size_t start = 0; start <= list.size();) {
    size_t colon = std::min(list.find(':', start), list.size());
    std::string entry(list.substr(start, colon - start));
    if (entry.empty() || !layout::path_in_some_entry(entry)) out += ":" + entry;
    start = colon + 1;
  }
  return out;
}

std::string shell_quote(const std::string& value) {
  std::string out = "'";
  for (char c : value) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

/// The wording is `pybcast doctor`'s, which checks the same places and more.
void warn_if_shared(LaunchEnvironment& env, Source source, const std::string& path) {
  std::string warning = shared_warning(source, path);
  if (!warning.empty()) env.warnings.push_back(std::move(warning));
}

bool path_exists(const std::string& path) {
  std::error_code ec;
  return std::filesystem::exists(path, ec);
}

}  // namespace

LaunchEnvironment python_environment(const EnvironmentInputs& in) {
  LaunchEnvironment env;
  auto get = [&](const char* name) -> const char* { return in.getenv(name); };
  const StagedPython& py = in.python;
  std::string home = py.user_home_outside.empty() ? py.home : py.user_home_outside;
  std::string libdir = std::filesystem::path(py.libpython).parent_path().string();
  std::string libs = libdir == py.home + "/lib" ? libdir : libdir + ":" + py.home + "/lib";
  env.mappings = py.mappings;
  env.notices = py.notices;
  std::string pythonpath = get("PYTHONPATH") != nullptr ? get("PYTHONPATH") : "";
  if (!pythonpath.empty() && !py.source_prefixes.empty()) {
    PythonPathResult mapped = map_python_path(pythonpath, py.source_prefixes, py.prefix,
                                              in.exists ? in.exists : PathExists(path_exists), py.keep_user_env);
    if (py.keep_user_env) {
      for (const auto& m : mapped.mappings)
        env.notices.push_back(
            fmt::format("PYTHONPATH entry {} kept as set (PYBCAST_KEEP_PYTHONHOME / "
                        "--keep-pythonhome): imports read it, not its staged copy {}",
                        m.from, m.to));
    } else if (!mapped.mappings.empty()) {
      env.set.emplace_back("PYTHONPATH", mapped.value);
      env.mappings.insert(env.mappings.end(), mapped.mappings.begin(), mapped.mappings.end());
      pythonpath = mapped.value;
    }
  }
  env.set.emplace_back("PYTHONHOME", home);
  // Children: the user's PYTHONHOME where it named a Python outside the stage
  // (kept or replaced); one that named the staged Python (under CHROOT, or its
  // original prefix) is unset, as that Python finds its home by itself.
  bool home_outside = !py.user_home_outside.empty() ||
                      std::any_of(py.mappings.begin(), py.mappings.end(),
                                  [](const PathMapping& m) { return m.variable == "PYTHONHOME" && m.replaced; });
  const char* user_home = get("PYTHONHOME");
  env.for_children.push_back(
      {"PYTHONHOME", user_home && home_outside ? std::optional<std::string>(user_home) : std::nullopt});
  const char* user_seed = get("PYTHONHASHSEED");
  env.for_children.push_back({"PYTHONHASHSEED", user_seed ? std::optional<std::string>(user_seed) : std::nullopt});
  // A staged venv's bin/ (its scripts) first, as activating it would.
  std::string bin = py.home + "/bin", exe_dir = std::filesystem::path(py.executable).parent_path().string();
  if (!py.executable.empty() && exe_dir != bin) bin = exe_dir + ":" + bin;
  env.set.emplace_back("PATH", prepend(bin, get("PATH")));
  env.set.emplace_back("LD_LIBRARY_PATH", prepend(libs, get("LD_LIBRARY_PATH")));
  if (!in.pycache_dir.empty() && get("PYTHONPYCACHEPREFIX") == nullptr && get("PYTHONDONTWRITEBYTECODE") == nullptr)
    env.set.emplace_back("PYTHONPYCACHEPREFIX", in.pycache_dir);
  if (get("PYTHONHASHSEED") == nullptr) env.set.emplace_back("PYTHONHASHSEED", in.hash_seed);
  // ~/.local would come first on sys.path: every rank stats it on the shared home,
  // and an old numpy there shadows the staged one.
  if (get("PYTHONNOUSERSITE") == nullptr) env.set.emplace_back("PYTHONNOUSERSITE", "1");

  if (!py.user_home_outside.empty()) warn_if_shared(env, Source::kPythonHome, py.user_home_outside);
  for (const auto& entry : split_list(pythonpath)) warn_if_shared(env, Source::kPythonPath, entry);
  if (const char* base = get("PYTHONUSERBASE")) warn_if_shared(env, Source::kPythonUserBase, base);
  if (!in.script.empty() && in.script != "-")
    warn_if_shared(env, Source::kScript, std::filesystem::absolute(in.script).parent_path().string());
  for (const RuntimeCache& cache : runtime_caches())
    if (const char* dir = get(cache.variable); dir != nullptr && *dir != '\0') warn_if_shared(env, cache.source, dir);
  if (!in.caches_dir.empty()) env.caches = plan_cache_redirects(in.caches_dir, in.getenv);
  for (const auto& cache : env.caches) env.set.emplace_back(cache.variable, cache.path);
  return env;
}

LaunchEnvironment prefix_environment(const std::string& prefix, const std::function<const char*(const char*)>& getenv) {
  LaunchEnvironment env;
  std::string libs = prefix + "/lib";
  std::error_code ec;
  if (std::filesystem::is_directory(prefix + "/lib64", ec)) libs += ":" + prefix + "/lib64";
  env.set.emplace_back("PATH", prepend(prefix + "/bin", getenv("PATH")));
  env.set.emplace_back("LD_LIBRARY_PATH", prepend(libs, getenv("LD_LIBRARY_PATH")));
  return env;
}

std::string format_exports(const LaunchEnvironment& env) {
  std::string out;
  for (const auto& m : env.mappings) out += "# mapped: " + escape_control(m.describe()) + "\n";
  for (const auto& w : env.notices) out += "# warning: " + escape_control(w) + "\n";
  for (const auto& w : env.warnings) out += "# warning: " + escape_control(w) + "\n";
  for (const auto& [name, value] : env.set) out += fmt::format("export {}={}\n", name, shell_quote(value));
  return out;
}

void apply_environment(const LaunchEnvironment& env) {
  for (const auto& [name, value] : env.set)
    if (::setenv(name.c_str(), value.c_str(), 1) != 0) throw_errno("setenv " + name, errno);
}

}  // namespace pybcast
