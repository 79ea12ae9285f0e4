#include "launch/python_env.h"

#include <algorithm>
#include <map>

#include <gtest/gtest.h>

namespace pybcast {
namespace {

std::function<const char*(const char*)> env_lookup(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const char* name) -> const char* {
    auto it = vars.find(name);
    return it == vars.end() ? nullptr : it->second.c_str();
  };
}

std::optional<std::string> for_children(const LaunchEnvironment& env, const std::string& name) {
  for (const auto& v : env.for_children)
    if (v.name == name) return v.value;
  ADD_FAILURE() << name << " is not given back to children";
  return std::nullopt;
}

StagedPython staged() {
  return {"/dev/shm/p", "3.11", "/dev/shm/p/lib/libpython3.11.so", "/dev/shm/p/bin/python3.11", ""};
}

LaunchEnvironment launch(const StagedPython& py, std::map<std::string, std::string> vars) {
  return python_environment({py, "/dev/shm/pycache", "12345", "", env_lookup(std::move(vars))});
}

TEST(PythonEnvironment, ChildrenGetTheUsersHashSeedOrNone) {
  LaunchEnvironment env = launch(staged(), {});
  EXPECT_EQ(for_children(env, "PYTHONHASHSEED"), std::nullopt);
  EXPECT_EQ(for_children(env, "PYTHONHOME"), std::nullopt);
  env = launch(staged(), {{"PYTHONHASHSEED", "7"}});
  EXPECT_EQ(for_children(env, "PYTHONHASHSEED"), "7");
}

TEST(PythonEnvironment, ChildrenGetAPythonHomeOutsideTheStageAsTheUserSetIt) {
  StagedPython py = staged();
  py.mappings.push_back({"PYTHONHOME", "/sw/python", py.home, true});  // replaced
  EXPECT_EQ(for_children(launch(py, {{"PYTHONHOME", "/sw/python"}}), "PYTHONHOME"), "/sw/python");
  py = staged();
  py.user_home_outside = "/sw/python";  // kept (--keep-pythonhome)
  EXPECT_EQ(for_children(launch(py, {{"PYTHONHOME", "/sw/python"}}), "PYTHONHOME"), "/sw/python");
}

// A PYTHONHOME that named the staged Python (its original prefix, or a path
// under CHROOT as python-mpi-bcast's users set it): the staged interpreter
// finds its home by itself, and the old value names nothing useful.
TEST(PythonEnvironment, APythonHomeThatNamedTheStagedPythonIsUnsetForChildren) {
  StagedPython py = staged();
  py.mappings.push_back({"PYTHONHOME", "/usr", py.home, false});
  EXPECT_EQ(for_children(launch(py, {{"PYTHONHOME", "/usr"}}), "PYTHONHOME"), std::nullopt);
  EXPECT_EQ(for_children(launch(staged(), {{"PYTHONHOME", "/dev/shm/chroot/3.11"}}), "PYTHONHOME"), std::nullopt);
}

TEST(PythonEnvironment, AStagedVenvsBinComesFirstOnPath) {
  StagedPython py = staged();
  py.executable = "/dev/shm/p/venv/bin/python3";
  LaunchEnvironment env = launch(py, {{"PATH", "/usr/bin"}});
  auto path = std::find_if(env.set.begin(), env.set.end(), [](const auto& v) { return v.first == "PATH"; });
  ASSERT_NE(path, env.set.end());
  EXPECT_EQ(path->second, "/dev/shm/p/venv/bin:/dev/shm/p/bin:/usr/bin");
}

}  // namespace
}  // namespace pybcast
