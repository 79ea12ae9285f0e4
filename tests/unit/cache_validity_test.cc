#include "warm/cache_validity.h"

#include <filesystem>

#include <gtest/gtest.h>

#include "test_dir.h"

namespace pybcast {
namespace {

using testing::TestDir;

Manifest caches_manifest(const std::string& python, const std::string& machine, std::vector<std::string> kinds) {
  Manifest m;
  m.kind = kCachesKind;
  m.python.version = python;
  m.caches.emplace();
  m.caches->machine = machine;
  for (auto& k : kinds) m.caches->kinds.push_back(ManifestCache{k, "", 0, 0});
  return m;
}

TEST(CacheValidity, AnotherPythonMinorOrMachineRefusesTheWholeBundle) {
  Manifest m = caches_manifest("3.10.12", "x86_64", {"numba", "matplotlib"});
  EXPECT_EQ(judge_caches(m, "3.11.2", "x86_64", {}).refused, "made for Python 3.10, this job runs 3.11");
  EXPECT_EQ(judge_caches(m, "3.10.4", "aarch64", {}).refused, "made on x86_64, this node is aarch64");
  CachesVerdict ok = judge_caches(m, "3.10.4", "x86_64", {});
  EXPECT_EQ(ok.refused, "");
  EXPECT_TRUE(ok.skipped.empty());
}

TEST(CacheValidity, AnotherToolVersionSkipsOnlyTheCachesThatDependOnIt) {
  Manifest m = caches_manifest("3.11.2", "x86_64", {"numba", "matplotlib", "xdg"});
  m.versions = {{"numba", "0.55.1"}, {"llvmlite", "0.39.1"}, {"matplotlib", "3.6.3"}};
  CachesVerdict v = judge_caches(m, "3.11.2", "x86_64", {{"numba", "0.56.4"}, {"llvmlite", "0.39.1"}});
  EXPECT_EQ(v.refused, "");
  ASSERT_EQ(v.skipped.size(), 1u);  // matplotlib: not installed here, its own check decides
  EXPECT_EQ(v.skipped.at("numba"), "made with numba 0.55.1, this job has 0.56.4");
  v = judge_caches(m, "3.11.2", "x86_64", {{"llvmlite", "0.40.0"}, {"matplotlib", "3.6.3"}});
  EXPECT_EQ(v.skipped.at("numba"), "made with llvmlite 0.39.1, this job has 0.40.0");
  EXPECT_FALSE(v.skipped.contains("matplotlib"));
}

TEST(CacheValidity, ToolVersionsComeFromTheStagedTreesDistributionMetadata) {
  TestDir dir;
  for (const char* d :
       {"lib/python3.11/site-packages/numba-0.56.4.dist-info", "lib/python3/dist-packages/llvmlite-0.39.1.egg-info",
        "venv/lib/python3.11/site-packages/cupy_cuda12x-13.0.0.dist-info",
        "local/lib/python3.11/dist-packages/Matplotlib-3.6.3-py3.11.egg-info",
        "lib/python3.11/site-packages/numpy-1.24.2.dist-info"})
    std::filesystem::create_directories(dir / d);
  std::map<std::string, std::string> want = {
      {"numba", "0.56.4"}, {"llvmlite", "0.39.1"}, {"cupy", "13.0.0"}, {"matplotlib", "3.6.3"}};
  EXPECT_EQ(cache_tool_versions(dir.path()), want);
  EXPECT_TRUE(cache_tool_versions(dir / "nothing-here").empty());
}

TEST(CacheValidity, EachKindNamesTheDistributionsItsEntriesDependOn) {
  EXPECT_EQ(cache_distributions("numba"), (std::vector<std::string>{"numba", "llvmlite"}));
  EXPECT_EQ(cache_distributions("torchinductor"), (std::vector<std::string>{"torch", "triton"}));
  EXPECT_TRUE(cache_distributions("xdg").empty());
  EXPECT_FALSE(this_machine().empty());
}

}  // namespace
}  // namespace pybcast
