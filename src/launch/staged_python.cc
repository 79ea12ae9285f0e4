#include "launch/staged_python.h"

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "bundle/manifest.h"
#include "bundle/metadata_layout.h"
#include "util/error.h"
#include "util/paths.h"

namespace fs = std::filesystem;

namespace pybcast {

namespace {

const char* const kPackHint =
    "pack the interpreter with `pybcast pack python -o python.tar.zst` (it includes the shared libpython), "
    "or build Python with --enable-shared";

bool is_file(const fs::path& p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec);
}

std::vector<fs::path> list_dir(const fs::path& dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) out.push_back(it->path());
  std::sort(out.begin(), out.end());
  return out;
}

/// Homes of the prefix: directories D with D/lib/python3.Y/os.py (or lib64/, where the
/// interpreter was built with that platlibdir, as pack accepts), at the top or one level
/// down (the seed's bundles had a top directory such as 2.7.9/).
std::vector<std::pair<fs::path, std::string>> find_homes(const fs::path& prefix) {
  static const std::regex kStdlib(R"(python(3\.\d+))");
  std::vector<std::pair<fs::path, std::string>> homes;
  std::vector<fs::path> candidates{prefix};
  for (const auto& child : list_dir(prefix))
    if (child.filename() != kMetadataDir) candidates.push_back(child);
  for (const auto& home : candidates)
    for (const char* libdir : {"lib", "lib64"})
      for (const auto& lib : list_dir(home / libdir)) {
        std::smatch m;
        std::string name = lib.filename().string();
        if (!std::regex_match(name, m, kStdlib) || !is_file(lib / "os.py")) continue;
        std::pair<fs::path, std::string> found(home, m[1]);
        // lib64 is often a link to lib: one home, found twice.
        if (std::find(homes.begin(), homes.end(), found) == homes.end()) homes.push_back(std::move(found));
      }
  return homes;
}

struct ManifestHints {
  std::string libpython, executable, version;
  std::vector<std::string> source_prefixes;
};

/// The manifests of `bundle`: its own, or for an image bundle (pack/image_writer)
/// those of the bundles it was made of, in order, where its .pybcast/image.json
/// names them: at the prefix's top when mounted, in its metadata when extracted.
std::vector<fs::path> manifest_paths(const fs::path& prefix, const std::string& bundle) {
  fs::path own = staged_manifest_path(prefix.string(), bundle);
  for (const fs::path& dir : {prefix / kMetadataDir, own.parent_path()}) {
    std::ifstream in(dir / fs::path(kImageRecord).filename());
    if (!in) continue;
    std::vector<fs::path> paths;
    try {
      nlohmann::json record = nlohmann::json::parse(in);
      for (const auto& name : record.at("bundles"))
        paths.push_back(dir / "bundles" / bundle_metadata_name(name.get<std::string>()) / kManifestName);
    } catch (const nlohmann::json::exception& e) {
      fail("{}: malformed: {}", (dir / fs::path(kImageRecord).filename()).string(), e.what());
    }
    return paths;
  }
  return {own};
}

ManifestHints read_manifests(const fs::path& prefix, const std::vector<std::string>& bundles) {
  ManifestHints hints;
  std::vector<fs::path> paths;
  for (const auto& bundle : bundles)
    for (auto& p : manifest_paths(prefix, bundle)) paths.push_back(std::move(p));
  for (const auto& path : paths) {
    std::ifstream in(path);
    if (!in) continue;
    std::stringstream text;
    text << in.rdbuf();
    Manifest m;
    try {
      m = parse_manifest(text.str());
    } catch (const Error& e) {
      throw e.with_context(path.string());
    }
    if (!m.layout.libpython.empty()) hints.libpython = m.layout.libpython;
    if (!m.layout.executable.empty()) hints.executable = m.layout.executable;
    if (!m.python.version.empty()) hints.version = m.python.version;
    const std::string& source = m.layout.source_prefix;
    if (!source.empty() &&
        std::find(hints.source_prefixes.begin(), hints.source_prefixes.end(), source) == hints.source_prefixes.end())
      hints.source_prefixes.push_back(source);
  }
  return hints;
}

/// libpython3.Y.so* under home/lib or home/lib/<multiarch>; the real file first.
std::optional<fs::path> search_libpython(const fs::path& home, const std::string& version) {
  std::vector<fs::path> dirs{home / "lib"};
  for (const auto& d : list_dir(home / "lib"))
    if (d.filename().string().find("-linux-") != std::string::npos) dirs.push_back(d);
  std::string stem = "libpython" + version + ".so";
  for (const auto& dir : dirs)
    for (const char* suffix : {".1.0", ".1", ""})
      if (is_file(dir / (stem + suffix))) return dir / (stem + suffix);
  return std::nullopt;
}

}  // namespace

std::optional<std::string> remap_home_under_chroot(const std::string& home, const std::string& chroot,
                                                   const std::string& prefix) {
  fs::path h = fs::path(home).lexically_normal(), c = fs::path(chroot).lexically_normal();
  fs::path rel = h.lexically_relative(c);
  if (rel.empty() || *rel.begin() == "..") return std::nullopt;
  if (rel == ".") return fs::path(prefix).string();
  return (fs::path(prefix) / rel).lexically_normal().string();
}

bool holds_python(const std::string& prefix) { return !find_homes(prefix).empty(); }

StagedPython locate_staged_python(const PythonHomeRequest& request) {
  fs::path prefix(request.prefix);
  ManifestHints hints = read_manifests(prefix, request.bundle_names);
  std::vector<std::pair<fs::path, std::string>> homes = find_homes(prefix);
  auto home_at = [&](const std::string& dir) {
    fs::path wanted = fs::path(dir).lexically_normal();
    return std::find_if(homes.begin(), homes.end(),
                        [&](const auto& h) { return h.first.lexically_normal() == wanted; });
  };
  HomeDecision decision =
      decide_python_home({request.user_home, request.chroot, request.prefix, hints.source_prefixes,
                          [&](const std::string& dir) { return home_at(dir) != homes.end(); }, request.keep_user_home});
  StagedPython python;
  python.prefix = request.prefix;
  python.source_prefixes = hints.source_prefixes;
  python.keep_user_env = request.keep_user_home;
  if (decision.choice == HomeChoice::kUnderChroot || decision.choice == HomeChoice::kMapped ||
      decision.choice == HomeChoice::kEarlierStage) {
    auto it = home_at(decision.home);
    if (it == homes.end())
      fail("PYTHONHOME={} maps to {} in the staged prefix, which holds no lib/python3.*/os.py", *request.user_home,
           decision.home);
    python.home = decision.home;
    python.version = it->second;
    if (decision.choice != HomeChoice::kUnderChroot)
      python.mappings.push_back({"PYTHONHOME", *request.user_home, python.home});
  } else {
    if (homes.empty())
      fail("the staged bundles contain no Python standard library (no lib/python3.*/os.py under {}); {}",
           request.prefix, kPackHint);
    if (homes.size() > 1) {
      std::vector<std::string> names;
      for (const auto& h : homes) names.push_back(h.first.string());
      fail("the staged prefix holds several Python homes ({}); set PYTHONHOME under $PYTHON_MPI_CHROOT to choose one",
           fmt::join(names, ", "));
    }
    python.home = homes[0].first.string();
    python.version = homes[0].second;
  }
  // A PYTHONHOME outside the stage: replaced by the staged home, or, as the
  // user asked, kept (the library and argv[0] still come from the stage).
  if (decision.choice == HomeChoice::kReplaced) {
    python.mappings.push_back({"PYTHONHOME", *request.user_home, python.home, true});
    python.notices.push_back(
        fmt::format("PYTHONHOME={} is outside the staged copy: replaced by {} (keep it with --keep-pythonhome or "
                    "PYBCAST_KEEP_PYTHONHOME=1)",
                    *request.user_home, python.home));
  } else if (decision.choice == HomeChoice::kKept) {
    python.user_home_outside = *request.user_home;
    python.notices.push_back(
        fmt::format("PYTHONHOME={} kept as set (PYBCAST_KEEP_PYTHONHOME / --keep-pythonhome): the standard library "
                    "is read from there, not from the staged copy",
                    *request.user_home));
  }
  if (python.version.empty() && !hints.version.empty())
    python.version = hints.version.substr(0, hints.version.rfind('.'));
  fs::path home(python.home);
  if (!hints.libpython.empty() && is_file(prefix / hints.libpython)) {
    python.libpython = (prefix / hints.libpython).string();
  } else if (auto found = search_libpython(home, python.version)) {
    python.libpython = found->string();
  } else {
    fail("the staged prefix has no shared libpython{}.so under {}/lib; {}", python.version, python.home, kPackHint);
  }
  if (!hints.executable.empty()) python.executable = (prefix / hints.executable).string();
  else python.executable = (home / "bin" / ("python" + python.version)).string();
  // What we dlopen and hand Python as argv[0] must be staged files, not a
  // symlink (or a manifest) pointing off the node or at another tree.
  std::string real_prefix = real_path(prefix.string());
  for (const auto& [what, path] : {std::pair{"libpython", python.libpython}, {"python executable", python.executable}})
    if (std::string real = real_path(path); !is_within(real, real_prefix))
      fail("the staged {} {} resolves to {}, outside the staged prefix {}; refusing to use it", what, path, real,
           request.prefix);
  return python;
}

}  // namespace pybcast
