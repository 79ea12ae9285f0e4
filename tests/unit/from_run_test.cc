#include "pack/from_run.h"

#include <gtest/gtest.h>

#include <map>

namespace pybcast {
namespace {

/// Debian's python3.11, as probe_python describes it.
PythonInfo debian() {
  PythonInfo info;
  info.python = info.executable = "/usr/bin/python3.11";
  info.version = "3.11.2";
  info.version_short = "3.11";
  info.abi = "cpython-311-x86_64-linux-gnu";
  info.prefix = info.base_prefix = "/usr";
  info.stdlib = info.platstdlib = "/usr/lib/python3.11";
  info.dynload = "/usr/lib/python3.11/lib-dynload";
  info.libdir = "/usr/lib/x86_64-linux-gnu";
  info.site_dirs = {"local/lib/python3.11/dist-packages", "lib/python3/dist-packages", "lib/python3.11/dist-packages"};
  info.target_site = "lib/python3/dist-packages";
  return info;
}

/// File -> member ("" when it stays out).
std::map<std::string, std::string> members(const RunTrace& trace) {
  std::map<std::string, std::string> out;
  for (const auto& p : plan_from_run(trace, debian(), {"/usr/lib/x86_64-linux-gnu"}, false)) out[p.path] = p.member;
  return out;
}

RunTrace run_from(const std::string& script_dir) {
  RunTrace trace;
  trace.processes = 1;
  trace.sys_path = {script_dir, "/usr/lib/python3.11", "/usr/lib/python3.11/lib-dynload",
                    "/usr/local/lib/python3.11/dist-packages", "/usr/lib/python3/dist-packages"};
  trace.script_dirs = {script_dir};
  return trace;
}

TEST(FromRun, SiteModulesAndPackageDataGoToTheSiteDirectory) {
  RunTrace trace = run_from("/home/u");
  trace.modules = {"/usr/lib/python3/dist-packages/numpy/__init__.py", "/usr/lib/python3/dist-packages/six.py",
                   "/usr/local/lib/python3.11/dist-packages/fast.cpython-311-x86_64-linux-gnu.so"};
  trace.opened = {"/usr/lib/python3/dist-packages/certifi/cacert.pem",
                  "/usr/lib/python3/dist-packages/distutils-precedence.pth"};
  auto m = members(trace);
  EXPECT_EQ(m["/usr/lib/python3/dist-packages/numpy/__init__.py"], "lib/python3/dist-packages/numpy/__init__.py");
  EXPECT_EQ(m["/usr/lib/python3/dist-packages/six.py"], "lib/python3/dist-packages/six.py");
  EXPECT_EQ(m["/usr/local/lib/python3.11/dist-packages/fast.cpython-311-x86_64-linux-gnu.so"],
            "local/lib/python3.11/dist-packages/fast.cpython-311-x86_64-linux-gnu.so");
  EXPECT_EQ(m["/usr/lib/python3/dist-packages/certifi/cacert.pem"], "lib/python3/dist-packages/certifi/cacert.pem");
  EXPECT_EQ(m["/usr/lib/python3/dist-packages/distutils-precedence.pth"],
            "lib/python3/dist-packages/distutils-precedence.pth");
}

TEST(FromRun, AConsoleScriptsDirectoryIsNoSiteDirectory) {
  // /usr/bin/pytest-3 runs with /usr/bin on sys.path; the run looks for compilers there.
  RunTrace trace = run_from("/usr/bin");
  trace.scripts = {"/usr/bin/pytest-3"};
  trace.opened = {"/usr/bin/gfortran", "/usr/bin/x86_64-linux-gnu-gcc-12", "/usr/bin/pytest-3"};
  for (const auto& [path, member] : members(trace)) EXPECT_EQ(member, "") << path;
}

TEST(FromRun, OnlyModuleFilesOfASysPathDirectoryAreItsModules) {
  // /usr/bin on sys.path without being a script's directory (the run put it there): still no compiler in
  // dist-packages; a PYTHONPATH directory's modules and packages are packed, its other files are not.
  RunTrace trace = run_from("/home/u");
  trace.sys_path.insert({"/usr/bin", "/opt/libs"});
  trace.opened = {"/usr/bin/gfortran",      "/usr/bin/cc",         "/opt/libs/README", "/opt/libs/tool.py",
                  "/opt/libs/pkg/data.bin", "/opt/libs/bundle.zip"};
  trace.sys_path.insert("/opt/libs/bundle.zip");
  trace.mapped = {"/opt/libs/libhelper.so.1"};
  auto m = members(trace);
  EXPECT_EQ(m["/usr/bin/gfortran"], "");
  EXPECT_EQ(m["/usr/bin/cc"], "");
  EXPECT_EQ(m["/opt/libs/README"], "");
  EXPECT_EQ(m["/opt/libs/tool.py"], "lib/python3/dist-packages/tool.py");
  EXPECT_EQ(m["/opt/libs/pkg/data.bin"], "lib/python3/dist-packages/pkg/data.bin");
  EXPECT_EQ(m["/opt/libs/bundle.zip"], "lib/python3/dist-packages/bundle.zip");
  EXPECT_EQ(m["/opt/libs/libhelper.so.1"], "lib/python3/dist-packages/libhelper.so.1");
}

TEST(FromRun, FilesOffTheSysPathStayOut) {
  RunTrace trace = run_from("/home/u");
  trace.opened = {"/home/u/input.csv", "/etc/hosts", "/root/.pyenv/versions/3.12.1/lib/python3.12/os.py"};
  trace.mapped = {"/opt/mpi/lib/libmpi.so.40", "/usr/lib/x86_64-linux-gnu/libm.so.6"};
  auto m = members(trace);
  EXPECT_EQ(m["/home/u/input.csv"], "");
  EXPECT_EQ(m["/etc/hosts"], "");
  EXPECT_EQ(m["/root/.pyenv/versions/3.12.1/lib/python3.12/os.py"], "");
  EXPECT_EQ(m["/opt/mpi/lib/libmpi.so.40"], "lib/libmpi.so.40");
  EXPECT_EQ(m["/usr/lib/x86_64-linux-gnu/libm.so.6"], "");
}

}  // namespace
}  // namespace pybcast
