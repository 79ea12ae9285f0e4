#include "tree/python_probe.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "util/child_process.h"
#include "util/error.h"
#include "util/parallel_for.h"

namespace pybcast {

namespace {

using nlohmann::json;

/// Prints the interpreter's own account of its layout as JSON.
constexpr const char* kProbeScript = R"PY(
import json, os, sys
if sys.version_info < (3, 6):
    sys.stderr.write("pybcast needs Python 3.6 or newer, this is %s\n" % sys.version.split()[0])
    sys.exit(3)
import site, sysconfig
# Started with -S: no site directory's .pth files run (a venv with system
# site-packages would read all of the base's); only the venv's own prefix
# is set up, as site.main() would.
if sys.flags.no_site:
    site.venv(None)

def rel(path, start):
    return os.path.relpath(path, start) if path else ""

def plain_site_dirs(base):
    # As a run from a plain prefix sees them, outside any venv: Debian's
    # site.py adds lib/pythonX.Y/site-packages only inside a venv.
    saved = sys.prefix, sys.exec_prefix
    sys.prefix, sys.exec_prefix = sys.base_prefix, sys.base_exec_prefix
    try:
        return [rel(d, base) for d in site.getsitepackages([base])]
    finally:
        sys.prefix, sys.exec_prefix = saved

base, base_exec = sys.base_prefix, sys.base_exec_prefix
cv = sysconfig.get_config_var
sites = plain_site_dirs(base)
scheme = "deb_system" if "deb_system" in sysconfig.get_scheme_names() else "posix_prefix"
scheme_vars = {"base": base, "platbase": base_exec, "installed_base": base, "installed_platbase": base_exec}
target = rel(sysconfig.get_path("purelib", scheme, scheme_vars), base)
if target not in sites and sites:
    target = sites[0]
dynload = [p for p in sys.path if os.path.basename(p) == "lib-dynload" and os.path.isdir(p)]
if not dynload and cv("DESTSHARED") and os.path.isdir(cv("DESTSHARED")):
    dynload = [cv("DESTSHARED")]
paths = sysconfig.get_paths()

def headers(name):
    path = sysconfig.get_path(name, scheme, scheme_vars)
    return path if path and os.path.isfile(os.path.join(path, "Python.h" if name == "include" else "pyconfig.h")) else ""

def multiarch_pyconfig():
    arch, include = cv("MULTIARCH") or "", headers("include")
    real = os.path.join(os.path.dirname(include), arch, os.path.basename(include), "pyconfig.h") if arch and include else ""
    return real if real and os.path.isfile(real) else ""

print(json.dumps({
    "version": "%d.%d.%d" % sys.version_info[:3],
    "version_short": "%d.%d" % sys.version_info[:2],
    "abi": cv("SOABI") or "",
    "implementation": sys.implementation.name,
    "cache_tag": sys.implementation.cache_tag or "",
    "executable": os.path.realpath(getattr(sys, "_base_executable", None) or sys.executable),
    "prefix": sys.prefix,
    "base_prefix": base,
    "stdlib": sysconfig.get_path("stdlib", scheme, scheme_vars),
    "platstdlib": sysconfig.get_path("platstdlib", scheme, scheme_vars),
    "dynload": dynload[0] if dynload else "",
    "libdir": cv("LIBDIR") or "",
    "instsoname": (cv("INSTSONAME") or "") if cv("Py_ENABLE_SHARED") else "",
    "site_dirs": sites,
    "target_site": target,
    "install_purelib": rel(paths["purelib"], sys.prefix),
    "install_platlib": rel(paths["platlib"], sys.prefix),
    "include": headers("include"),
    "platinclude": headers("platinclude"),
    "multiarch_pyconfig": multiarch_pyconfig(),
}))
)PY";

/// Finds the files of named distributions with importlib.metadata.
constexpr const char* kDistScript = R"PY(
import csv, glob, json, os, re, sys
try:
    import importlib.metadata as md
except ImportError:
    sys.stderr.write("pybcast pack dist needs Python 3.8 or newer (importlib.metadata)\n")
    sys.exit(3)
Requirement = None
for module in ("packaging.requirements", "pip._vendor.packaging.requirements"):
    try:
        Requirement = __import__(module, fromlist=["Requirement"]).Requirement
        break
    except Exception:
        pass

def normalize(name):
    return re.sub(r"[-_.]+", "-", name).lower()

def requirement(text):
    # (name, certain): None when its marker does not hold for this python;
    # certain is False when the marker could not be evaluated.
    if Requirement is not None:
        try:
            req = Requirement(text)
            if req.marker is not None and not req.marker.evaluate({"extra": ""}):
                return None
            return req.name, True
        except Exception:
            pass
    name, _, marker = text.partition(";")
    if "extra" in marker:
        return None
    match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", name)
    return (match.group(1), not marker.strip()) if match else None

def describe(dist):
    meta = str(dist._path)
    site = os.path.dirname(meta)
    record = dist.read_text("RECORD")
    if record:
        files = [row[0] for row in csv.reader(record.splitlines()) if row]
        return site, files, "RECORD"
    installed = dist.read_text("installed-files.txt")
    if installed:
        files = [os.path.relpath(os.path.normpath(os.path.join(meta, line.strip())), site)
                 for line in installed.splitlines() if line.strip()]
        return site, files + [os.path.basename(meta)], "installed-files.txt"
    # Debian's packages carry neither: take the import packages it declares,
    # or the one named like the distribution.
    tops = (dist.read_text("top_level.txt") or "").split()
    source = "top_level.txt" if tops else "name"
    if not tops:
        tops = [dist.metadata["Name"].replace("-", "_"), dist.metadata["Name"].replace("-", "_").lower()]
    files = [os.path.basename(meta)]
    for top in tops:
        extensions = glob.glob(os.path.join(glob.escape(site), glob.escape(top) + ".*.so"))
        for candidate in [top, top + ".py"] + sorted(extensions):
            path = os.path.join(site, candidate)
            if os.path.lexists(path) and os.path.basename(path) not in files:
                files.append(os.path.basename(path))
    # Its .pth files too (Debian's setuptools: distutils-precedence.pth
    # imports _distutils_hack): those of the site directory that import one
    # of its top-level packages.
    for pth in sorted(glob.glob(os.path.join(glob.escape(site), "*.pth"))):
        try:
            text = open(pth, encoding="utf-8", errors="replace").read()
        except OSError:
            continue
        if any(re.search(r"\b(import\s+|__import__\(['\"])" + re.escape(top) + r"\b", text) for top in tops):
            files.append(os.path.basename(pth))
    return site, files, source

_imports = None

def import_map():
    # import package -> the distributions that install it
    global _imports
    if _imports is not None:
        return _imports
    if hasattr(md, "packages_distributions"):  # Python 3.10
        _imports = md.packages_distributions()
        return _imports
    _imports = {}
    for dist in md.distributions():
        tops = (dist.read_text("top_level.txt") or "").split()
        if not tops:
            for f in dist.files or []:
                top = f.parts[0] if f.parts else ""
                if len(f.parts) == 1 and top.endswith(".py"):
                    tops.append(top[:-3])
                elif len(f.parts) > 1 and top != ".." and not top.endswith((".dist-info", ".egg-info")):
                    tops.append(top)
        for top in set(tops):
            _imports.setdefault(top, []).append(dist.metadata["Name"])
    return _imports

def import_location(name):
    # The import package's own files, which its distributions' metadata may
    # not list (Debian's h5py/__init__.py chooses between h5py's builds).
    try:
        import importlib.util
        spec = importlib.util.find_spec(name)
    except Exception:
        return None
    if spec is None:
        return None
    if spec.submodule_search_locations:
        return list(spec.submodule_search_locations)[0]
    return spec.origin if spec.origin and os.path.isfile(spec.origin) else None

def add_import_files(site, files, where):
    paths = [where] if os.path.isfile(where) else [
        os.path.join(root, f) for root, dirs, names in os.walk(where)
        for f in names if not root.split(os.sep)[-1] == "__pycache__"]
    have = set(files)
    for path in sorted(paths):
        rel = os.path.relpath(path, site)
        if not rel.startswith("..") and rel not in have:
            files.append(rel)

wrappers = {}  # distribution -> the import package's directory its metadata may not list
found = {}
request = json.load(sys.stdin)
out = {"found": [], "missing": [], "warnings": [], "notes": []}
seen = set()
queue = [(name, None, True) for name in request["names"]]
while queue:
    name, wanted_by, certain = queue.pop(0)
    if normalize(name) in seen:
        continue
    seen.add(normalize(name))
    try:
        dist = md.distribution(name)
    except md.PackageNotFoundError:
        providers = sorted(set(import_map().get(name, []))) if wanted_by is None else []
        if providers:
            out["notes"].append("%s: no distribution has that name; packing %s, which provide%s the import package %s"
                                % (name, ", ".join(providers), "s" if len(providers) == 1 else "", name))
            queue[0:0] = [(p, None, True) for p in providers]
            where = import_location(name)
            if where:
                wrappers.setdefault(normalize(providers[0]), where)
        elif wanted_by is None:
            out["missing"].append(name)
        elif certain:
            out["warnings"].append("%s requires %s, which is not installed" % (wanted_by, name))
        continue
    site, files, source = describe(dist)
    found[normalize(dist.metadata["Name"])] = {"name": dist.metadata["Name"], "version": dist.version or "",
                                               "site": site, "files": files, "source": source}
    out["found"].append(found[normalize(dist.metadata["Name"])])
    if request["deps"]:
        for text in dist.requires or []:
            dep = requirement(text)
            if dep:
                queue.append((dep[0], dist.metadata["Name"], dep[1]))
# After every name is resolved, whatever their order: a distribution named
# before its import package was still gets that package's own files.
for key, where in wrappers.items():
    if key in found:
        add_import_files(found[key]["site"], found[key]["files"], where)
print(json.dumps(out))
)PY";

/// Compiles sources to unchecked-hash .pyc files: nodes then never stat or
/// read a source to validate its bytecode.
constexpr const char* kCompileScript = R"PY(
import json, os, py_compile, sys
failed = []
for source, output, shown in json.load(sys.stdin):
    os.makedirs(os.path.dirname(output), exist_ok=True)
    try:
        py_compile.compile(source, cfile=output, dfile=shown, doraise=True, optimize=0,
                           invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
    except Exception as e:
        failed.append("%s: %s" % (shown, str(e).strip().splitlines()[-1] if str(e).strip() else type(e).__name__))
print(json.dumps(failed))
)PY";

std::vector<std::string> strings(const json& j) { return j.get<std::vector<std::string>>(); }

}  // namespace

/// Runs a script with the target python and parses the JSON it prints.
nlohmann::json run_python_script(const std::string& python, std::vector<std::string> flags, const char* script,
                                 const ChildOptions& options) {
  std::vector<std::string> argv{python};
  argv.insert(argv.end(), flags.begin(), flags.end());
  argv.insert(argv.end(), {"-c", script});
  ChildResult r = run_child(argv, options);
  if (r.status != 0) {
    std::string why = last_line(r.err);
    fail("python '{}' failed (exit status {}){}", python, r.status, why.empty() ? "" : ": " + why);
  }
  try {
    return json::parse(r.out);
  } catch (const json::exception&) {
    fail("python '{}' printed unexpected output (is it CPython 3?): '{}'", python, last_line(r.out).substr(0, 80));
  }
}

PythonInfo probe_python(const std::string& python) {
  // -E -s: the interpreter as installed, not as this shell's PYTHON* variables bend it;
  // -S: without reading the site directories (the script sets up a venv's prefix itself).
  json j = run_python_script(python, {"-E", "-s", "-S"}, kProbeScript);
  PythonInfo info;
  try {
    info = {python,
            j.at("version"),
            j.at("version_short"),
            j.at("abi"),
            j.at("implementation"),
            j.at("cache_tag"),
            j.at("executable"),
            j.at("prefix"),
            j.at("base_prefix"),
            j.at("stdlib"),
            j.at("platstdlib"),
            j.at("dynload"),
            j.at("libdir"),
            j.at("instsoname"),
            strings(j.at("site_dirs")),
            j.at("target_site"),
            j.at("install_purelib"),
            j.at("install_platlib"),
            j.at("include"),
            j.at("platinclude"),
            j.at("multiarch_pyconfig")};
  } catch (const json::exception& e) {
    fail("python '{}' gave an incomplete description of itself: {}", python, e.what());
  }
  if (info.implementation != "cpython")
    fail("python '{}' is {}, not CPython: pybcast bundles only CPython", python, info.implementation);
  return info;
}

DistQuery find_distributions(const std::string& python, const std::vector<std::string>& names, bool deps) {
  ChildOptions options;
  options.input = json{{"names", names}, {"deps", deps}}.dump();
  // No -E: distributions are looked up as this user's imports would find them.
  json j = run_python_script(python, {}, kDistScript, options);
  DistQuery query;
  try {
    for (const auto& d : j.at("found"))
      query.found.push_back({d.at("name"), d.at("version"), d.at("site"), strings(d.at("files")), d.at("source")});
    query.missing = strings(j.at("missing"));
    query.warnings = strings(j.at("warnings"));
    query.notes = strings(j.at("notes"));
  } catch (const json::exception& e) {
    fail("python '{}' gave an incomplete answer about distributions: {}", python, e.what());
  }
  return query;
}

std::vector<std::string> compile_bytecode(const std::string& python, const std::vector<CompileJob>& files, int jobs) {
  // Fixed slices, each compiled by a fresh process: what one file compiles to
  // must not depend on which files the same process compiled before it (the
  // marshal format depends on reference counts), nor on the thread count.
  constexpr size_t kSlice = 200;
  std::vector<json> slices;
  for (size_t i = 0; i < files.size(); ++i) {
    if (i % kSlice == 0) slices.push_back(json::array());
    slices.back().push_back({files[i].source, files[i].output, files[i].shown});
  }
  // The first failing slice's error is said, whatever the thread count.
  std::vector<json> results(slices.size());
  parallel_for(slices.size(), static_cast<unsigned>(std::max(1, jobs)), [&](size_t s) {
    // A fixed hash seed keeps sets in constants, and so the bytes, reproducible.
    ChildOptions options{slices[s].dump(), {{"PYTHONHASHSEED", "0"}}};
    results[s] = run_python_script(python, {"-s"}, kCompileScript, options);
  });
  std::vector<std::string> failed;
  for (const json& result : results)
    for (const auto& f : result) failed.push_back(f.get<std::string>());
  std::sort(failed.begin(), failed.end());
  return failed;
}

}  // namespace pybcast
