#include "doctor/metadata_ops.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "util/child_process.h"
#include "util/error.h"
#include "util/settings.h"
#include "util/temp_dir.h"

namespace pybcast {

namespace {

/// Without strace: run the code, then estimate from what got imported, as
/// CPython 3.11's import system does it (checked against strace): FileFinder
/// stats each directory it searches (and lists it once), the loader stats the
/// file twice, then opens its bytecode and fstats it twice (an extension once);
/// modules without a file (built-in, frozen) cost nothing. Written to argv[1]
/// as [[path, call, n]].
constexpr const char* kEstimate = R"(import os, sys
out, code = sys.argv[1], sys.argv[2]
sys.argv = ["-c"]
status = 0
try:
    exec(compile(code, "<string>", "exec"), {"__name__": "__main__", "__builtins__": __builtins__})
except SystemExit as e:
    status = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
except BaseException:
    import traceback
    traceback.print_exc()
    status = 1
modules = list(sys.modules.items())
import importlib.util
ops, listed = {}, set()
def add(path, call, n=1):
    key = (os.path.abspath(path), call)
    ops[key] = ops.get(key, 0) + n
roots = [os.path.abspath(p) for p in sys.path]
for name, module in modules:
    origin = getattr(getattr(module, "__spec__", None), "origin", None)
    if not isinstance(origin, str) or not os.path.isabs(origin):
        continue
    parent = sys.modules.get(name.rpartition(".")[0]) if "." in name else None
    dirs = roots if parent is None else [os.path.abspath(p) for p in getattr(parent, "__path__", None) or []]
    for d in dirs:
        add(d, "stat")
        if d not in listed:
            listed.add(d)
            add(d, "listdir")
        if origin.startswith(os.path.join(d, "")):
            break
    add(origin, "stat", 2)
    loaded = origin
    if origin.endswith(".py"):
        try:
            cached = importlib.util.cache_from_source(origin)
            loaded = cached if os.path.exists(cached) else origin
        except Exception:
            pass
    add(loaded, "open")
    add(loaded, "stat", 2 if origin.endswith(".py") else 1)
import json
with open(out, "w") as f:
    json.dump([[p, c, n] for (p, c), n in ops.items()], f)
sys.exit(status)
)";

constexpr const char* kEstimateNote =
    "estimated from the modules the code loaded: per module, one stat of each directory searched (and one "
    "listing of it), two stats of its file, then an open and two fstats of its bytecode (one fstat of an extension); "
    "the "
    "interpreter's own start-up (shared libraries, locale) is not included";

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

/// Reads a C-style string literal that starts at text[pos] == '"'; sets `end` past it.
std::string parse_string(const std::string& text, size_t pos, size_t& end) {
  std::string out;
  size_t i = pos + 1;
  while (i < text.size() && text[i] != '"') {
    char c = text[i++];
    if (c != '\\' || i >= text.size()) {
      out += c;
      continue;
    }
    char e = text[i++];
    switch (e) {
      case 'n': out += '\n'; break;
      case 't': out += '\t'; break;
      case 'r': out += '\r'; break;
      case 'v': out += '\v'; break;
      case 'f': out += '\f'; break;
      case 'x': {
        size_t n = 0;
        while (n < 2 && i + n < text.size() && std::isxdigit(static_cast<unsigned char>(text[i + n]))) ++n;
        out += static_cast<char>(n ? std::stoi(text.substr(i, n), nullptr, 16) : 'x');
        i += n;
        break;
      }
      default:
        if (e >= '0' && e <= '7') {  // \ooo: up to three octal digits
          size_t begin = i - 1, n = 1;
          while (n < 3 && begin + n < text.size() && text[begin + n] >= '0' && text[begin + n] <= '7') ++n;
          out += static_cast<char>(std::stoi(text.substr(begin, n), nullptr, 8));
          i = begin + n;
        } else {
          out += e;  // \" and \\ and anything else taken literally
        }
    }
  }
  end = i + 1;
  return out;
}

/// The path strace -y shows for an fd argument ("3</usr/lib>"), or "".
std::string fd_annotation(const std::string& text) {
  size_t open = text.find('<');
  size_t close = text.rfind('>');
  if (open == std::string::npos || close == std::string::npos || close <= open) return "";
  return text.substr(open + 1, close - open - 1);
}

}  // namespace

std::vector<OpRecord> parse_strace_log(const std::string& log, const std::string& cwd) {
  std::vector<OpRecord> records;
  std::istringstream lines(log);
  for (std::string line; std::getline(lines, line);) {
    size_t start = line.find_first_not_of("0123456789 ");  // the pid under -f
    if (start == std::string::npos || line.compare(start, 4, "<...") == 0 || line[start] == '+' || line[start] == '-')
      continue;
    size_t paren = line.find('(', start);
    if (paren == std::string::npos) continue;
    OpRecord r;
    r.call = line.substr(start, paren - start);
    if (r.call.empty() || r.call == "getcwd") continue;
    size_t quote = line.find('"', paren);
    size_t first_comma = line.find(", ", paren);
    std::string path;
    if (quote != std::string::npos) {
      std::string dir = fd_annotation(line.substr(paren + 1, quote - paren - 1));
      size_t end = 0;
      path = parse_string(line, quote, end);
      if (path.empty()) path = dir;  // fstat-like: newfstatat(3</x>, "", ..., AT_EMPTY_PATH)
      else if (path[0] != '/') path = absolute_lexical(path, dir.starts_with("/") ? dir : cwd);
    } else {
      path = fd_annotation(
          line.substr(paren + 1, first_comma == std::string::npos ? std::string::npos : first_comma - paren - 1));
    }
    if (!path.starts_with("/")) continue;  // sockets, pipes, fds strace could not name: no file system
    r.path = absolute_lexical(path, "/");
    r.enoent = line.find("= -1 ENOENT") != std::string::npos;
    records.push_back(std::move(r));
  }
  return records;
}

std::vector<FsOps> attribute_ops(const std::vector<OpRecord>& records, const std::vector<Mount>& mounts) {
  std::map<std::string, std::string> resolved_dirs;  // a path's directory -> its real path
  std::map<std::string, FsOps> by_mount;
  for (const auto& r : records) {
    std::filesystem::path p(r.path);
    std::string parent = p.parent_path().string();
    auto [it, added] = resolved_dirs.try_emplace(parent, parent);
    if (added) {
      std::error_code ec;
      std::string real = std::filesystem::weakly_canonical(parent, ec).string();
      if (!ec) it->second = real;
    }
    std::string where = r.path == "/" ? "/" : absolute_lexical(p.filename().string(), it->second);
    const Mount* m = find_mount(mounts, where);
    std::string point = m != nullptr ? m->point : "/";
    FsOps& ops = by_mount[point];
    if (ops.mount.empty()) {
      ops.mount = point;
      ops.mount_type = m != nullptr ? m->type : "";
      ops.fs = probe_fs(point);
    }
    ops.ops += r.count;
    if (r.enoent) ops.enoent += r.count;
    ops.calls[r.call] += r.count;
  }
  std::vector<FsOps> out;
  for (auto& [point, ops] : by_mount) out.push_back(std::move(ops));
  std::stable_sort(out.begin(), out.end(), [](const FsOps& a, const FsOps& b) { return a.ops > b.ops; });
  return out;
}

Measurement measure_metadata_ops(const std::string& python, const std::string& code, const std::string& strace,
                                 const std::vector<Mount>& mounts, const std::string& cwd) {
  Measurement m;
  m.code = code;
  TempDir scratch("pybcast-doctor-");
  std::vector<OpRecord> records;
  ChildResult r;
  if (!strace.empty()) {
    std::string log = scratch.path() + "/strace.log";
    r = run_child(
        {strace, "-f", "-qq", "-y", "-e", "trace=%file,%stat", "-e", "signal=none", "-o", log, python, "-c", code});
    std::string text = read_text(log);
    if (text.find(" execve(") != std::string::npos) {
      m.method = "strace";
      records = parse_strace_log(text, cwd);
    } else {
      m.note = fmt::format("strace did not run ({}); ", last_line(r.err));
    }
  } else {
    m.note = "strace not found on PATH; ";
  }
  if (m.method.empty()) {
    std::string out = scratch.path() + "/estimate.json";
    r = run_child({python, "-c", kEstimate, out, code});
    m.method = "estimate";
    m.note += kEstimateNote;
    nlohmann::json j = nlohmann::json::parse(read_text(out), nullptr, false);
    if (!j.is_array())
      fail("'{}' exited with status {} before the estimate was written: {}", python, r.status, last_line(r.err));
    for (const auto& item : j)
      records.push_back({item.at(0).get<std::string>(), item.at(1).get<std::string>(), item.at(2).get<uint64_t>()});
  }
  m.exit_status = r.status;
  if (r.status != 0) m.error = last_line(r.err);
  m.filesystems = attribute_ops(records, mounts);
  for (const auto& fs : m.filesystems) {
    m.total_ops += fs.ops;
    if (fs.fs.shared) m.shared_ops += fs.ops;
  }
  return m;
}

}  // namespace pybcast
