#include "pack/import_check.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "pack/bundle_reader.h"
#include "tree/file_set.h"
#include "tree/python_probe.h"
#include "util/error.h"
#include "util/temp_dir.h"

namespace pybcast {

namespace {

/// Isolated (-I -S): only the standard library; the bundles' site directories
/// added with site.addsitedir (their .pth files run). A finder after all
/// others takes a missing top-level module from the machine's sys.path,
/// recording it, so that one run names every missing module.
constexpr const char* kCheckScript = R"PY(
import importlib, importlib.machinery, json, os, site, sys
req = json.load(sys.stdin)
for path in req["sites"]:
    site.addsitedir(path)
machine = [p for p in req["machine"] if p and os.path.isdir(p)]
missing = {}
class FromThisMachine:
    @classmethod
    def find_spec(cls, name, path=None, target=None):
        if path is not None or "." in name:
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, machine)
        if spec is not None:
            missing[name] = spec.origin if spec.origin not in (None, "namespace") else list(spec.submodule_search_locations or [""])[0]
        return spec
sys.meta_path.append(FromThisMachine)
failed = []
for name in req["names"]:
    try:
        importlib.import_module(name)
    except BaseException as e:
        failed.append("%s: %s: %s" % (name, type(e).__name__, str(e).strip().splitlines()[0] if str(e).strip() else ""))
owners = {}
try:
    import importlib.metadata as md
    for dist in md.distributions(path=machine):
        tops = (dist.read_text("top_level.txt") or "").split()
        for f in dist.files or []:
            if f.parts and f.parts[0] not in ("..",) and not f.parts[0].endswith((".dist-info", ".egg-info")):
                tops.append(f.parts[0][:-3] if f.parts[0].endswith(".py") else f.parts[0].split(".")[0])
        for top in tops:
            owners.setdefault(top, dist.metadata["Name"])
except Exception:
    pass
print(json.dumps({"failed": failed, "missing": {n: [w, owners.get(n, "")] for n, w in missing.items()}}))
)PY";

/// The target python's own sys.path as a user's run sees it.
constexpr const char* kPathScript = "import json, sys; print(json.dumps(sys.path))";

}  // namespace

std::vector<std::string> top_level_imports(const std::vector<std::string>& members, const std::string& site) {
  std::set<std::string> names;
  std::string prefix = site.empty() ? "" : site + "/";
  for (const auto& m : members) {
    if (!m.starts_with(prefix)) continue;
    std::string rest = m.substr(prefix.size());
    size_t slash = rest.find('/');
    std::string top = rest.substr(0, slash);
    if (top.empty() || top == "__pycache__" || top.ends_with(".dist-info") || top.ends_with(".egg-info") ||
        top.find('-') != std::string::npos)
      continue;
    if (slash != std::string::npos) {
      if (rest.substr(slash + 1) == "__init__.py") names.insert(top);
    } else if (top.ends_with(".py")) {
      names.insert(top.substr(0, top.size() - 3));
    } else if (top.ends_with(".so")) {
      names.insert(top.substr(0, top.find('.')));
    }
  }
  return {names.begin(), names.end()};
}

ImportCheck check_imports(const std::string& python, const std::vector<std::string>& bundles,
                          const std::vector<std::string>& sites, const std::vector<std::string>& names) {
  TempDir scratch("pybcast-check-");
  for (const auto& bundle : bundles) extract_bundle(bundle, scratch.path());
  nlohmann::json request;
  request["sites"] = nlohmann::json::array();
  for (const auto& s : sites) request["sites"].push_back(scratch.path() + "/" + s);
  request["names"] = names;
  request["machine"] = run_python_script(python, {}, kPathScript);
  nlohmann::json out = run_python_script(python, {"-I", "-S"}, kCheckScript, {request.dump(), {}});
  ImportCheck check;
  std::set<std::string> dists;
  try {
    check.failed = out.at("failed").get<std::vector<std::string>>();
    for (const auto& [name, where] : out.at("missing").items()) {
      std::string file = where.at(0), dist = where.at(1);
      check.missing[name] = dist.empty() ? file : fmt::format("{} ({})", file, dist);
      if (!dist.empty()) dists.insert(dist);
    }
  } catch (const nlohmann::json::exception& e) {
    fail("python '{}' gave an unexpected import check: {}", python, e.what());
  }
  check.missing_distributions = {dists.begin(), dists.end()};
  return check;
}

ImportCheck check_bundle_imports(const std::string& python, const std::string& bundle, const Manifest& manifest,
                                 const std::vector<std::string>& with, std::vector<std::string> names) {
  std::vector<std::string> bundles{bundle}, sites;
  auto add_sites = [&](const Manifest& m) {
    for (const auto& s : {m.layout.purelib, m.layout.platlib})
      if (!s.empty() && std::find(sites.begin(), sites.end(), s) == sites.end()) sites.push_back(s);
  };
  add_sites(manifest);
  for (const auto& w : with) {
    bundles.push_back(w);
    add_sites(parse_manifest(read_manifest_text(w)));
  }
  if (names.empty()) {
    std::vector<std::string> members;
    for (const auto& e : manifest.entries) members.push_back(e.path);
    for (const auto& site : sites)
      for (const auto& n : top_level_imports(members, site)) names.push_back(n);
  }
  if (names.empty())
    fail("{}: no top-level package in its site directory ({}) to import", bundle, fmt::join(sites, ", "));
  return check_imports(python, bundles, sites, names);
}

std::string describe_import_check(const ImportCheck& check, const std::string& pack_line) {
  if (check.ok()) return "";
  std::vector<std::string> parts;
  if (!check.missing.empty()) {
    std::vector<std::string> shown;
    for (const auto& [name, where] : check.missing) shown.push_back(name + " from " + where);
    parts.push_back(fmt::format("it needs module(s) it does not hold: {}", fmt::join(shown, ", ")));
  }
  if (!check.failed.empty()) parts.push_back(fmt::format("import failed: {}", fmt::join(check.failed, "; ")));
  std::string fix = check.missing_distributions.empty()
                        ? ""
                        : fmt::format("; to add them: {} {}", pack_line, fmt::join(check.missing_distributions, " "));
  return fmt::format("the packed set does not import on its own: {}{}", fmt::join(parts, "; "), fix);
}

}  // namespace pybcast
