#include "warm/cache_validity.h"

#include <sys/utsname.h>

#include <algorithm>
#include <filesystem>
#include <regex>

#include <fmt/format.h>

namespace pybcast {

namespace {

std::string major_minor(const std::string& version) {
  size_t first = version.find('.');
  if (first == std::string::npos) return version;
  size_t second = version.find('.', first + 1);
  return version.substr(0, second);
}

std::string normal_name(std::string name) {
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return c == '_' ? '-' : std::tolower(c); });
  return name;
}

/// The directories a staged tree keeps distributions in.
std::vector<std::filesystem::path> site_dirs(const std::filesystem::path& prefix) {
  std::vector<std::filesystem::path> out;
  std::error_code ec;
  for (const char* base : {"", "venv/", "local/"}) {
    for (const char* lib : {"lib", "lib64"}) {
      std::filesystem::path dir = prefix / (std::string(base) + lib);
      for (const auto& child : std::filesystem::directory_iterator(dir, ec)) {
        std::string name = child.path().filename().string();
        if (!name.starts_with("python3")) continue;
        for (const char* site : {"site-packages", "dist-packages"}) out.push_back(child.path() / site);
      }
    }
  }
  return out;
}

}  // namespace

const std::vector<std::string>& cache_distributions(const std::string& cache_name) {
  static const std::map<std::string, std::vector<std::string>> table = {
      {"numba", {"numba", "llvmlite"}},
      {"matplotlib", {"matplotlib"}},
      {"triton", {"triton"}},
      {"torchinductor", {"torch", "triton"}},
      {"cupy", {"cupy"}},
  };
  static const std::vector<std::string> none;
  auto it = table.find(cache_name);
  return it == table.end() ? none : it->second;
}

std::map<std::string, std::string> cache_tool_versions(const std::string& prefix) {
  // CuPy's wheels are named for their CUDA (cupy-cuda12x): one cache, one version.
  static const std::regex info(R"(^([A-Za-z0-9_.]+?)-([0-9][^-]*?)(-py[0-9.]+)?\.(dist-info|egg-info)$)");
  std::map<std::string, std::string> out;
  std::error_code ec;
  for (const auto& dir : site_dirs(prefix)) {
    for (const auto& child : std::filesystem::directory_iterator(dir, ec)) {
      std::smatch m;
      std::string name = child.path().filename().string();
      if (!std::regex_match(name, m, info)) continue;
      std::string dist = normal_name(m[1].str());
      if (dist.starts_with("cupy")) dist = "cupy";
      for (const char* cache : {"numba", "matplotlib", "triton", "torchinductor", "cupy"}) {
        const auto& wanted = cache_distributions(cache);
        if (std::find(wanted.begin(), wanted.end(), dist) != wanted.end()) out.emplace(dist, m[2].str());
      }
    }
  }
  return out;
}

CachesVerdict judge_caches(const Manifest& manifest, const std::string& python_version, const std::string& machine,
                           const std::map<std::string, std::string>& versions_here) {
  CachesVerdict verdict;
  const std::string& made_for = manifest.python.version;
  if (!made_for.empty() && !python_version.empty() && major_minor(made_for) != major_minor(python_version)) {
    verdict.refused =
        fmt::format("made for Python {}, this job runs {}", major_minor(made_for), major_minor(python_version));
    return verdict;
  }
  std::string made_on = manifest.caches ? manifest.caches->machine : "";
  if (!made_on.empty() && !machine.empty() && made_on != machine) {
    verdict.refused = fmt::format("made on {}, this node is {}", made_on, machine);
    return verdict;
  }
  if (!manifest.caches) return verdict;
  for (const ManifestCache& cache : manifest.caches->kinds) {
    for (const std::string& dist : cache_distributions(cache.name)) {
      auto then = manifest.versions.find(dist);
      auto now = versions_here.find(dist);
      if (then == manifest.versions.end() || now == versions_here.end() || then->second == now->second) continue;
      verdict.skipped.emplace(cache.name,
                              fmt::format("made with {} {}, this job has {}", dist, then->second, now->second));
      break;
    }
  }
  return verdict;
}

std::string this_machine() {
  struct utsname u {};
  if (::uname(&u) != 0) return "";
  return u.machine;
}

}  // namespace pybcast
