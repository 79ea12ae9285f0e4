#include "pack/from_run_trace.h"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>

#include <nlohmann/json.hpp>

#include "util/child_process.h"
#include "util/error.h"
#include "util/temp_dir.h"

namespace pybcast {

namespace {

/// Installed as sitecustomize.py. It imports nothing that is not loaded
/// already until it has taken its snapshot at exit, so its own needs do not
/// show up as the run's. Then it runs the sitecustomize it shadows.
constexpr const char* kHook = R"PY(# pybcast pack --from-run: records what this Python process touches.
import sys


def _pybcast_trace():
    import os
    import time  # built in: no file
    out_dir = os.environ.get("PYBCAST_FROM_RUN_TRACE")
    if not out_dir:
        return
    started = time.monotonic_ns()  # a child's hook runs after its parent's: the first process is the target
    opened = set()
    getcwd, join, fsdecode = os.getcwd, os.path.join, os.fsdecode

    def hook(event, args):
        if event == "ctypes.dlopen":  # torch loads torch/lib/*.so by path: the name, not the file it resolves to
            if isinstance(args[0], str) and "/" in args[0]:
                opened.add(args[0] if args[0].startswith("/") else join(getcwd(), args[0]))
            return
        if event != "open" or isinstance(args[0], int) or args[2] & 3:  # O_ACCMODE: reads only
            return
        try:
            path = fsdecode(args[0])
            opened.add(path if path.startswith("/") else join(getcwd(), path))
        except Exception:
            pass

    sys.addaudithook(hook)

    # Files that are only looked at (os.path.exists/isfile: torch checks for
    # torch/bin/torch_shm_manager) raise no audit event. os.stat is what those
    # call; the import system has its own and is not seen here.
    stat = os.stat

    def traced_stat(path, *args, **kwargs):
        result = stat(path, *args, **kwargs)
        try:
            if isinstance(path, (str, bytes)):
                name = fsdecode(path)
                opened.add(name if name.startswith("/") else join(getcwd(), name))
        except Exception:
            pass
        return result

    os.stat = traced_stat

    def dump():
        read = set(opened)  # before the imports below add theirs
        # A module loaded from its bytecode was opened as __pycache__/NAME.TAG.pyc only, and one
        # that replaces itself in sys.modules (torch._VF) has no __file__ left: its source, too.
        for cached in list(read):
            if "/__pycache__/" in cached and cached.endswith(".pyc"):
                where, name = os.path.split(cached)
                source = join(os.path.dirname(where), name.split(".", 1)[0] + ".py")
                if os.path.exists(source):
                    read.add(source)
        # .pth files run at start-up, before this hook exists (setuptools' distutils-precedence.pth
        # is what makes `import distutils` work for joblib): those of every sys.path directory.
        # What they import was imported by this run, so it is packed too.
        for entry in sys.path:
            try:
                names = os.listdir(entry) if isinstance(entry, str) and entry else []
            except OSError:
                continue
            read.update(join(os.path.abspath(entry), n) for n in names if n.endswith(".pth"))
        read = sorted(read)
        modules = {}
        for name, module in list(sys.modules.items()):
            f = getattr(module, "__file__", None)
            if isinstance(f, str):
                modules[name] = os.path.abspath(f)
        mapped = set()
        try:
            with open("/proc/self/maps") as maps:
                for line in maps:
                    parts = line.rstrip("\n").split(None, 5)
                    if len(parts) == 6 and parts[5].startswith("/") and ".so" in os.path.basename(parts[5]):
                        mapped.add(parts[5])
        except OSError:
            pass
        main_module = sys.modules.get("__main__")
        main = getattr(main_module, "__file__", None)
        # A script's directory is sys.path[0] when it starts (symlinks resolved), which the run may have
        # pushed down since (pytest does); -m and -c run no script of their own.
        script_dir = ""
        if isinstance(main, str) and getattr(main_module, "__spec__", None) is None:
            script_dir = os.path.dirname(os.path.realpath(main))
        path = [os.path.abspath(p) if p else getcwd() for p in sys.path if isinstance(p, str)]
        # Only now import what the snapshot must not see.
        import json
        import sysconfig
        interpreter = {"executable": os.path.realpath(getattr(sys, "_base_executable", None) or sys.executable),
                       "base_prefix": os.path.realpath(sys.base_prefix),
                       "version": "%d.%d.%d" % sys.version_info[:3],
                       "abi": sysconfig.get_config_var("SOABI") or ""}
        dists = []
        try:
            import importlib.metadata as md
            tops = {name.partition(".")[0] for name in modules} - set(getattr(sys, "stdlib_module_names", ()))
            names = set()
            for top, owners in md.packages_distributions().items():
                if top in tops:
                    names.update(owners)
            for name in sorted(names):
                d = md.distribution(name)
                where = getattr(d, "_path", None)
                if where is not None:
                    dists.append([d.metadata["Name"] or name, d.version or "", os.path.abspath(str(where))])
        except Exception:
            pass
        record = {"started": started, "executable": sys.executable, "interpreter": interpreter,
                  "path": path, "path0": path[0] if path else "", "script_dir": script_dir,
                  "main": os.path.abspath(main) if isinstance(main, str) else "",
                  "modules": sorted(set(modules.values()) - {os.path.abspath(__file__)}),
                  "opened": read, "mapped": sorted(mapped), "dists": dists}
        with open(join(out_dir, "trace-%d.json" % os.getpid()), "w") as out:
            out.write(json.dumps(record) + "\n")

    import atexit
    atexit.register(dump)


_pybcast_trace()
del _pybcast_trace


def _pybcast_chain():
    # Run the sitecustomize this one shadows (Debian's, a site's), as Python would have.
    import os
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [p for p in sys.path if not p or os.path.abspath(p) != here]
    external = sys.modules["_frozen_importlib_external"]
    spec = external.PathFinder.find_spec("sitecustomize", sys.path)
    if spec is not None and spec.loader is not None:
        module = sys.modules["_frozen_importlib"].module_from_spec(spec)
        sys.modules["sitecustomize"] = module
        spec.loader.exec_module(module)


_pybcast_chain()
del _pybcast_chain
)PY";

std::string shown(const std::vector<std::string>& command) {
  std::string text;
  for (const auto& a : command) text += (text.empty() ? "" : " ") + a;
  return text;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw_errno(path, errno);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

const char* trace_hook_source() { return kHook; }

bool TracedInterpreter::same_as(const TracedInterpreter& other) const {
  return base_prefix == other.base_prefix && version == other.version && abi == other.abi;
}

std::vector<TracedProcess> parse_trace(const std::string& text) {
  auto strings = [](const nlohmann::json& list) {
    std::vector<std::string> out;
    for (const auto& p : list) out.push_back(p.get<std::string>());
    return out;
  };
  std::vector<TracedProcess> processes;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty()) continue;
    try {
      auto j = nlohmann::json::parse(line);
      TracedProcess p;
      p.started = j.at("started");
      p.executable = j.at("executable");
      const auto& i = j.at("interpreter");
      p.interpreter = {i.at("executable"), i.at("base_prefix"), i.at("version"), i.at("abi")};
      p.sys_path = strings(j.at("path"));
      p.path0 = j.at("path0");
      p.script_dir = j.at("script_dir");
      p.main = j.at("main");
      p.modules = strings(j.at("modules"));
      p.opened = strings(j.at("opened"));
      p.mapped = strings(j.at("mapped"));
      for (const auto& d : j.at("dists")) p.distributions.push_back({d.at(0), d.at(1), d.at(2)});
      processes.push_back(std::move(p));
    } catch (const nlohmann::json::exception& e) {
      fail("unreadable trace record: {}", e.what());
    }
  }
  return processes;
}

RunTrace merge_trace(std::vector<TracedProcess> processes, const TracedInterpreter* target) {
  std::stable_sort(processes.begin(), processes.end(),
                   [](const auto& a, const auto& b) { return a.started < b.started; });
  RunTrace trace;
  if (processes.empty()) return trace;
  trace.interpreter = target != nullptr ? *target : processes.front().interpreter;
  for (const auto& p : processes) {
    if (!p.interpreter.same_as(trace.interpreter)) {
      auto other = std::find_if(trace.others.begin(), trace.others.end(),
                                [&](const auto& o) { return o.interpreter.same_as(p.interpreter); });
      if (other == trace.others.end()) other = trace.others.insert(other, {p.interpreter, 0});
      other->processes += 1;
      continue;
    }
    if (trace.processes++ == 0) trace.executable = p.executable;
    trace.sys_path.insert(p.sys_path.begin(), p.sys_path.end());
    for (const auto* dir : {&p.path0, &p.script_dir})
      if (!dir->empty()) trace.script_dirs.insert(*dir);
    if (!p.main.empty()) trace.scripts.insert(p.main);
    trace.modules.insert(p.modules.begin(), p.modules.end());
    trace.opened.insert(p.opened.begin(), p.opened.end());
    trace.mapped.insert(p.mapped.begin(), p.mapped.end());
    for (const auto& dist : p.distributions) {
      bool known = std::any_of(trace.distributions.begin(), trace.distributions.end(),
                               [&](const auto& o) { return o.metadata == dist.metadata; });
      if (!known) trace.distributions.push_back(dist);
    }
  }
  return trace;
}

std::vector<TracedProcess> trace_run(const std::vector<std::string>& command, std::string& log) {
  if (command.empty()) fail("pack --from-run: give the command to trace after --, e.g. -- python3 script.py");
  TempDir scratch("pybcast-trace-");
  std::string hook_dir = scratch.path() + "/hook", out_dir = scratch.path() + "/out";
  for (const auto& d : {hook_dir, out_dir})
    if (::mkdir(d.c_str(), 0700) != 0) throw_errno(d, errno);
  {
    std::ofstream hook(hook_dir + "/sitecustomize.py");
    hook << kHook;
    if (!hook) fail("cannot write {}/sitecustomize.py", hook_dir);
  }
  const char* old = std::getenv("PYTHONPATH");
  ChildOptions options;
  options.env = {{"PYTHONPATH", old && *old ? hook_dir + ":" + old : hook_dir},
                 {"PYBCAST_FROM_RUN_TRACE", out_dir},
                 {"PYTHONDONTWRITEBYTECODE", "1"}};
  ChildResult run = run_child(command, options);
  log = run.out + run.err;
  if (run.status != 0) {
    std::string why = last_line(run.err);
    fail("the traced run `{}` failed (exit status {}){}; pack needs a run that succeeds", shown(command), run.status,
         why.empty() ? "" : ": " + why);
  }
  std::vector<TracedProcess> processes;
  std::unique_ptr<DIR, int (*)(DIR*)> dir(::opendir(out_dir.c_str()), ::closedir);
  if (!dir) throw_errno(out_dir, errno);
  std::vector<std::string> files;
  while (dirent* e = ::readdir(dir.get()))
    if (std::string(e->d_name).starts_with("trace-")) files.push_back(out_dir + "/" + e->d_name);
  std::sort(files.begin(), files.end());
  for (const auto& f : files)
    for (auto& p : parse_trace(read_file(f))) processes.push_back(std::move(p));
  if (processes.empty())
    fail(
        "the traced run `{}` started no Python process that reported (is it a python command? python -E and -I "
        "ignore PYTHONPATH, which carries the trace hook)",
        shown(command));
  return processes;
}

}  // namespace pybcast
