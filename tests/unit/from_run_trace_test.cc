#include "pack/from_run_trace.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "util/error.h"

namespace pybcast {
namespace {

struct Interp {
  const char* executable;
  const char* base_prefix;
  const char* version;
  const char* abi;
};
constexpr Interp kDebian{"/usr/bin/python3.11", "/usr", "3.11.2", "cpython-311-x86_64-linux-gnu"};
constexpr Interp kPyenv{"/root/.pyenv/versions/3.12.1/bin/python3.12", "/root/.pyenv/versions/3.12.1", "3.12.1",
                        "cpython-312-x86_64-linux-gnu"};

/// One record as the hook writes it.
std::string record(int64_t started, const std::string& executable, const Interp& i, const std::string& module,
                   const std::string& main = "") {
  nlohmann::json j = {
      {"started", started},
      {"executable", executable},
      {"interpreter",
       {{"executable", i.executable}, {"base_prefix", i.base_prefix}, {"version", i.version}, {"abi", i.abi}}},
      {"path", {"/home/u", std::string(i.base_prefix) + "/lib/python3.x"}},
      {"path0", "/home/u"},
      {"script_dir", main.empty() ? "" : "/home/u"},
      {"main", main},
      {"modules", {module}},
      {"opened", {module}},
      {"mapped", nlohmann::json::array()},
      {"dists", {{"numpy", "1.24.2", "/usr/lib/python3/dist-packages/numpy-1.24.2.dist-info"}}}};
  return j.dump() + "\n";
}

TEST(FromRunTrace, ParsesOneProcessPerLine) {
  auto processes = parse_trace(record(5, "/usr/bin/python3", kDebian, "/usr/lib/python3.11/os.py", "/home/u/a.py") +
                               "\n" + record(7, "/usr/bin/python3", kDebian, "/usr/lib/python3.11/json/__init__.py"));
  ASSERT_EQ(processes.size(), 2u);
  EXPECT_EQ(processes[0].started, 5);
  EXPECT_EQ(processes[0].interpreter.base_prefix, "/usr");
  EXPECT_EQ(processes[0].interpreter.version, "3.11.2");
  EXPECT_EQ(processes[0].script_dir, "/home/u");
  EXPECT_EQ(processes[0].main, "/home/u/a.py");
  EXPECT_EQ(processes[1].modules, std::vector<std::string>{"/usr/lib/python3.11/json/__init__.py"});
  ASSERT_EQ(processes[1].distributions.size(), 1u);
  EXPECT_EQ(processes[1].distributions[0].name, "numpy");
}

TEST(FromRunTrace, MalformedRecordsAreErrors) {
  EXPECT_THROW(parse_trace("{not json\n"), Error);
  EXPECT_THROW(parse_trace("{\"started\": 1}\n"), Error);  // a record of an older hook
}

TEST(FromRunTrace, KeepsTheInterpreterOfTheFirstProcessOnly) {
  // Written in pid order, not start order: the child (pyenv's python3.12, a smaller pid) comes first.
  auto processes = parse_trace(
      record(20, "/root/.pyenv/versions/3.12.1/bin/python3", kPyenv,
             "/root/.pyenv/versions/3.12.1/lib/python3.12/decimal.py") +
      record(10, "/usr/bin/python3", kDebian, "/usr/lib/python3/dist-packages/numpy/__init__.py", "/home/u/a.py") +
      record(30, "/root/.pyenv/versions/3.12.1/bin/python3.12", kPyenv,
             "/root/.pyenv/versions/3.12.1/lib/python3.12/json/__init__.py"));
  RunTrace trace = merge_trace(processes, nullptr);
  EXPECT_EQ(trace.processes, 1);
  EXPECT_EQ(trace.executable, "/usr/bin/python3");
  EXPECT_EQ(trace.interpreter.base_prefix, "/usr");
  EXPECT_EQ(trace.modules, std::set<std::string>{"/usr/lib/python3/dist-packages/numpy/__init__.py"});
  EXPECT_EQ(trace.opened, trace.modules);
  EXPECT_EQ(trace.sys_path, (std::set<std::string>{"/home/u", "/usr/lib/python3.x"}));
  EXPECT_EQ(trace.scripts, std::set<std::string>{"/home/u/a.py"});
  ASSERT_EQ(trace.others.size(), 1u);  // one entry per interpreter, not per process
  EXPECT_EQ(trace.others[0].interpreter.executable, kPyenv.executable);
  EXPECT_EQ(trace.others[0].interpreter.version, "3.12.1");
  EXPECT_EQ(trace.others[0].processes, 2);
}

TEST(FromRunTrace, AVenvOfTheTargetIsTheTarget) {
  // A venv's python reports its own sys.executable but its base's prefix, version and ABI.
  Interp venv = kDebian;
  venv.executable = "/usr/bin/python3.11";
  auto processes =
      parse_trace(record(1, "/usr/bin/python3", kDebian, "/usr/lib/python3.11/os.py") +
                  record(2, "/home/u/venv/bin/python", venv, "/home/u/venv/lib/python3.11/site-packages/x.py"));
  RunTrace trace = merge_trace(processes, nullptr);
  EXPECT_EQ(trace.processes, 2);
  EXPECT_TRUE(trace.others.empty());
  EXPECT_TRUE(trace.modules.contains("/home/u/venv/lib/python3.11/site-packages/x.py"));
}

TEST(FromRunTrace, SameVersionElsewhereOrAnotherAbiIsAnotherPython) {
  Interp local = kDebian, debug = kDebian;
  local.base_prefix = "/usr/local";
  debug.abi = "cpython-311d-x86_64-linux-gnu";
  auto processes = parse_trace(record(1, "/usr/bin/python3", kDebian, "/a.py") +
                               record(2, "/usr/local/bin/python3.11", local, "/b.py") +
                               record(3, "/usr/bin/python3.11d", debug, "/c.py"));
  RunTrace trace = merge_trace(processes, nullptr);
  EXPECT_EQ(trace.processes, 1);
  EXPECT_EQ(trace.others.size(), 2u);
}

TEST(FromRunTrace, TheNamedPythonIsTheTargetWhateverRanFirst) {
  auto processes = parse_trace(record(1, "/usr/bin/python3", kDebian, "/usr/lib/python3.11/os.py") +
                               record(2, "/root/.pyenv/versions/3.12.1/bin/python3", kPyenv, "/x/y.py"));
  TracedInterpreter pyenv{kPyenv.executable, kPyenv.base_prefix, kPyenv.version, kPyenv.abi};
  RunTrace trace = merge_trace(processes, &pyenv);
  EXPECT_EQ(trace.processes, 1);
  EXPECT_EQ(trace.executable, "/root/.pyenv/versions/3.12.1/bin/python3");
  EXPECT_EQ(trace.modules, std::set<std::string>{"/x/y.py"});
  ASSERT_EQ(trace.others.size(), 1u);
  EXPECT_EQ(trace.others[0].interpreter.base_prefix, "/usr");

  TracedInterpreter absent{"/opt/py/bin/python3.13", "/opt/py", "3.13.0", "cpython-313-x86_64-linux-gnu"};
  EXPECT_EQ(merge_trace(processes, &absent).processes, 0);
}

}  // namespace
}  // namespace pybcast
