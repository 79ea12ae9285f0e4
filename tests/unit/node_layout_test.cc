#include <gtest/gtest.h>

#include <unistd.h>

#include <string>

#include "cache/node_layout.h"

namespace pybcast {
namespace {

const std::string kKey = "0123456789abcdef0123456789abcdef";

TEST(NodeLayout, NamesTheUserRootAndWhatIsInIt) {
  std::string mine = "pybcast-" + std::to_string(geteuid());
  EXPECT_EQ(layout::user_root_name(), mine);
  EXPECT_EQ(layout::user_root("/dev/shm"), "/dev/shm/" + mine);
  EXPECT_EQ(layout::user_root("/dev/shm/x/../"), "/dev/shm/" + mine);
  EXPECT_EQ(layout::entry_path("/r", kKey), "/r/cache/" + kKey);
  EXPECT_EQ(layout::lock_name(kKey), kKey + ".lock");
  EXPECT_EQ(layout::lock_path("/r", kKey), "/r/locks/" + kKey + ".lock");
  EXPECT_EQ(layout::pycache_path("/r"), "/r/pycache");
  EXPECT_EQ(layout::caches_path("/r"), "/r/caches");
}

TEST(NodeLayout, VirtualNodesLiveUnderTheChroot) {
  EXPECT_EQ(layout::node_root("/c", false, 3), "/c");
  EXPECT_EQ(layout::node_root("/c", true, 3), "/c/vnode-3");
  EXPECT_TRUE(layout::is_virtual_node_dir("vnode-3"));
  EXPECT_FALSE(layout::is_virtual_node_dir("pybcast-0"));
}

TEST(NodeLayout, TmpNamesCarryTheirKey) {
  std::string a = layout::new_tmp_name(kKey), b = layout::new_tmp_name(kKey);
  EXPECT_NE(a, b);
  EXPECT_TRUE(layout::is_tmp_of(a, kKey));
  EXPECT_FALSE(layout::is_tmp_of(a, "ffffffffffffffffffffffffffffffff"));
  EXPECT_EQ(layout::tmp_key(a), kKey);
  EXPECT_EQ(layout::tmp_key("tmp-short-1234"), std::nullopt);
  EXPECT_EQ(layout::tmp_key("cache"), std::nullopt);
  EXPECT_EQ(layout::tmp_key("tmp-0123456789ABCDEF0123456789abcdef-1"), std::nullopt);
}

}  // namespace
}  // namespace pybcast
