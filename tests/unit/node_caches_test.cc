#include "launch/node_caches.h"

#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "cache/node_layout.h"
#include "test_dir.h"
#include "util/error.h"

namespace pybcast {
namespace {

using testing::TestDir;

std::function<const char*(const char*)> env_of(const std::map<std::string, std::string>& vars) {
  return [vars](const char* name) -> const char* {
    auto it = vars.find(name);
    return it == vars.end() ? nullptr : it->second.c_str();
  };
}

TEST(NodeCaches, PointsEveryUnsetCacheAtItsNodeDirectory) {
  std::vector<CacheRedirect> got = plan_cache_redirects("/dev/shm/pybcast-0/caches", env_of({}));
  std::map<std::string, std::string> by_variable;
  for (const auto& r : got) by_variable[r.variable] = r.path;
  EXPECT_EQ(by_variable, (std::map<std::string, std::string>{
                             {"TRITON_CACHE_DIR", "/dev/shm/pybcast-0/caches/triton"},
                             {"TORCHINDUCTOR_CACHE_DIR", "/dev/shm/pybcast-0/caches/torchinductor"},
                             {"NUMBA_CACHE_DIR", "/dev/shm/pybcast-0/caches/numba"},
                             {"CUPY_CACHE_DIR", "/dev/shm/pybcast-0/caches/cupy"},
                             {"MPLCONFIGDIR", "/dev/shm/pybcast-0/caches/matplotlib"},
                             {"XDG_CACHE_HOME", "/dev/shm/pybcast-0/caches/xdg"},
                         }));
}

TEST(NodeCaches, KeepsACacheTheUserSet) {
  std::vector<CacheRedirect> got =
      plan_cache_redirects("/c", env_of({{"TRITON_CACHE_DIR", "/scratch/triton"}, {"NUMBA_CACHE_DIR", ""}}));
  ASSERT_EQ(got.size(), 5u);
  for (const auto& r : got) EXPECT_NE(r.variable, "TRITON_CACHE_DIR");
  EXPECT_EQ(got[1].variable, "NUMBA_CACHE_DIR");  // set but empty: the tool's default would apply
}

TEST(NodeCaches, CreatesPrivateDirectoriesThroughTheUserRoot) {
  TestDir dir;
  layout::NodeRoot node{dir / "node"};
  std::string caches = layout::caches_path(layout::user_root(node));
  std::vector<CacheRedirect> plan = plan_cache_redirects(caches, env_of({}));
  create_cache_dirs(node, plan);
  create_cache_dirs(node, plan);  // idempotent, as for several ranks of one node
  for (const std::string& path : {caches, caches + "/triton", caches + "/xdg"}) {
    struct stat st {};
    ASSERT_EQ(::lstat(path.c_str(), &st), 0) << path;
    EXPECT_TRUE(S_ISDIR(st.st_mode)) << path;
    EXPECT_EQ(st.st_mode & 07777, 0700u) << path;
  }
}

TEST(NodeCaches, RefusesASymlinkedCachesDirectory) {
  TestDir dir;
  layout::NodeRoot node{dir / "node"};
  std::string root = layout::user_root(node);
  std::filesystem::create_directories(root);
  ::chmod(root.c_str(), 0700);
  std::filesystem::create_directory(dir / "elsewhere");
  std::filesystem::create_directory_symlink(dir / "elsewhere", layout::caches_path(root));
  std::vector<CacheRedirect> plan = plan_cache_redirects(layout::caches_path(root), env_of({}));
  try {
    create_cache_dirs(node, plan);
    FAIL() << "a symlinked caches/ was used";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("symlink"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(std::filesystem::is_empty(dir / "elsewhere"));
}

}  // namespace
}  // namespace pybcast
