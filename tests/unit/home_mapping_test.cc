#include "launch/home_mapping.h"

#include <gtest/gtest.h>

#include <set>

namespace pybcast {
namespace {

const std::string kStage = "/dev/shm/pybcast-0/cache/k";

PathExists only(std::set<std::string> paths) {
  return [paths](const std::string& p) { return paths.contains(p); };
}

TEST(MapToStaged, MapsThePrefixAndPathsUnderItToTheSameRelativePath) {
  PathExists all = [](const std::string&) { return true; };
  EXPECT_EQ(map_to_staged("/usr", {"/usr"}, kStage, all), kStage);
  EXPECT_EQ(map_to_staged("/usr/", {"/usr"}, kStage, all), kStage);
  EXPECT_EQ(map_to_staged("/usr/lib/python3/dist-packages", {"/usr"}, kStage, all),
            kStage + "/lib/python3/dist-packages");
  EXPECT_EQ(map_to_staged("/usr/lib/../lib/python3.11", {"/usr/"}, kStage, all), kStage + "/lib/python3.11");
}

TEST(MapToStaged, LeavesPathsOutsideEverySourcePrefixAlone) {
  PathExists all = [](const std::string&) { return true; };
  EXPECT_EQ(map_to_staged("/usrx/lib", {"/usr"}, kStage, all), std::nullopt);
  EXPECT_EQ(map_to_staged("/opt/lib", {"/usr"}, kStage, all), std::nullopt);
  EXPECT_EQ(map_to_staged("relative/lib", {"/usr"}, kStage, all), std::nullopt);
  EXPECT_EQ(map_to_staged("/usr/lib", {}, kStage, all), std::nullopt);
  EXPECT_EQ(map_to_staged("/usr/lib", {"", "usr"}, kStage, all), std::nullopt);  // no usable source prefix
}

TEST(MapToStaged, MapsOnlyWhereTheStagedPathExists) {
  PathExists staged = only({kStage + "/lib/python3/dist-packages"});
  EXPECT_EQ(map_to_staged("/usr/lib/python3/dist-packages", {"/usr"}, kStage, staged),
            kStage + "/lib/python3/dist-packages");
  EXPECT_EQ(map_to_staged("/usr/local/lib/python3.11/dist-packages", {"/usr"}, kStage, staged), std::nullopt);
}

TEST(MapToStaged, TheLongestSourcePrefixWins) {
  PathExists all = [](const std::string&) { return true; };
  EXPECT_EQ(map_to_staged("/sw/python/3.11/lib", {"/sw", "/sw/python/3.11"}, kStage, all), kStage + "/lib");
}

TEST(MapPythonPath, MapsEachEntryInPlaceAndKeepsTheOthers) {
  PathExists staged = only({kStage + "/lib/python3/dist-packages", kStage + "/lib/python3.11"});
  PythonPathResult r = map_python_path("/home/u/lib:/usr/lib/python3/dist-packages::/usr/lib/python3.11:/usr/local/x",
                                       {"/usr"}, kStage, staged, false);
  EXPECT_EQ(r.value,
            "/home/u/lib:" + kStage + "/lib/python3/dist-packages::" + kStage + "/lib/python3.11:/usr/local/x");
  ASSERT_EQ(r.mappings.size(), 2u);
  EXPECT_EQ(r.mappings[0].variable, "PYTHONPATH");
  EXPECT_EQ(r.mappings[0].from, "/usr/lib/python3/dist-packages");
  EXPECT_EQ(r.mappings[0].to, kStage + "/lib/python3/dist-packages");
  EXPECT_EQ(r.mappings[0].describe(),
            "PYTHONPATH /usr/lib/python3/dist-packages -> " + kStage + "/lib/python3/dist-packages");
}

TEST(MapPythonPath, KeepChangesNothingButListsWhatWouldMap) {
  PathExists staged = only({kStage + "/lib/python3/dist-packages"});
  PythonPathResult r = map_python_path("/usr/lib/python3/dist-packages:/opt/x", {"/usr"}, kStage, staged, true);
  EXPECT_EQ(r.value, "/usr/lib/python3/dist-packages:/opt/x");
  ASSERT_EQ(r.mappings.size(), 1u);
  EXPECT_EQ(r.mappings[0].to, kStage + "/lib/python3/dist-packages");
}

HomeInputs home_inputs(std::optional<std::string> user_home, bool keep = false) {
  return {std::move(user_home), "/dev/shm", kStage, {"/usr"}, only({kStage, kStage + "/3.11"}), keep};
}

TEST(DecidePythonHome, UnsetUsesTheStagedHome) {
  HomeDecision d = decide_python_home(home_inputs(std::nullopt));
  EXPECT_EQ(d.choice, HomeChoice::kStaged);
  EXPECT_EQ(d.home, "");
}

TEST(DecidePythonHome, UnderTheChrootKeepsTheSeedMapping) {
  HomeDecision d = decide_python_home(home_inputs("/dev/shm/3.11"));
  EXPECT_EQ(d.choice, HomeChoice::kUnderChroot);
  EXPECT_EQ(d.home, kStage + "/3.11");
  // Even when it names no staged home: locate_staged_python then says so.
  EXPECT_EQ(decide_python_home(home_inputs("/dev/shm/2.7.9")).home, kStage + "/2.7.9");
}

TEST(DecidePythonHome, TheOriginalPrefixMapsIntoTheStagedCopy) {
  HomeDecision d = decide_python_home(home_inputs("/usr"));
  EXPECT_EQ(d.choice, HomeChoice::kMapped);
  EXPECT_EQ(d.home, kStage);
  d = decide_python_home(home_inputs("/usr:/usr"));  // prefix:exec_prefix
  EXPECT_EQ(d.choice, HomeChoice::kMapped);
  EXPECT_EQ(d.home, kStage);
}

TEST(DecidePythonHome, AnEarlierStagesHomeIsOursNotTheUsers) {
  // What an earlier `stage --print-env` of the job script exported.
  const std::string earlier = "/dev/shm/pybcast-0/cache/" + std::string(32, 'b');
  HomeDecision d = decide_python_home(home_inputs(earlier + "/3.11"));
  EXPECT_EQ(d.choice, HomeChoice::kEarlierStage);
  EXPECT_EQ(d.home, kStage + "/3.11");
  EXPECT_EQ(decide_python_home(home_inputs(earlier)).home, kStage);
  // No such home in this stage: as if PYTHONHOME were unset.
  EXPECT_EQ(decide_python_home(home_inputs(earlier + "/2.7.9")).choice, HomeChoice::kStaged);
}

TEST(DecidePythonHome, AnythingElseOutsideTheStageIsReplaced) {
  EXPECT_EQ(decide_python_home(home_inputs("/opt/python")).choice, HomeChoice::kReplaced);
  EXPECT_EQ(decide_python_home(home_inputs("/usr/lib")).choice, HomeChoice::kReplaced);  // not a staged home
  EXPECT_EQ(decide_python_home(home_inputs("/usr:/opt/x")).choice, HomeChoice::kReplaced);
}

TEST(DecidePythonHome, KeepKeepsWhatIsOutsideTheStage) {
  for (const char* home : {"/usr", "/opt/python"}) {
    HomeDecision d = decide_python_home(home_inputs(home, true));
    EXPECT_EQ(d.choice, HomeChoice::kKept) << home;
    EXPECT_EQ(d.home, home);
  }
  EXPECT_EQ(decide_python_home(home_inputs("/dev/shm/3.11", true)).choice, HomeChoice::kUnderChroot);
}

TEST(PathMapping, DescribesAReplacement) {
  PathMapping m{"PYTHONHOME", "/opt/python", kStage, true};
  EXPECT_EQ(m.describe(), "PYTHONHOME /opt/python -> " + kStage + " (replaced: outside the staged copy)");
}

}  // namespace
}  // namespace pybcast
