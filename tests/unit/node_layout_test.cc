#include <gtest/gtest.h>

#include <unistd.h>

#include <string>
#include <vector>

#include "cache/node_layout.h"

namespace pybcast {
namespace {

const std::string kKey = "0123456789abcdef0123456789abcdef";

TEST(NodeLayout, NamesTheUserRootAndWhatIsInIt) {
  std::string mine = "pybcast-" + std::to_string(geteuid());
  EXPECT_EQ(layout::user_root_name(), mine);
  EXPECT_EQ(layout::user_root({"/dev/shm"}), "/dev/shm/" + mine);
  EXPECT_EQ(layout::user_root({"/dev/shm/x/../"}), "/dev/shm/" + mine);
  EXPECT_EQ(layout::entry_path("/r", kKey), "/r/cache/" + kKey);
  EXPECT_EQ(layout::lock_name(kKey), kKey + ".lock");
  EXPECT_EQ(layout::lock_path("/r", kKey), "/r/locks/" + kKey + ".lock");
  EXPECT_EQ(layout::pycache_path("/r"), "/r/pycache");
  EXPECT_EQ(layout::caches_path("/r"), "/r/caches");
}

TEST(NodeLayout, VirtualNodesLiveInsideThePrivateRoot) {
  std::string mine = layout::user_root_name();
  EXPECT_EQ(layout::user_root({"/c"}), "/c/" + mine);
  EXPECT_EQ(layout::user_root({"/c", 3}), "/c/" + mine + "/vnode-3");
  EXPECT_EQ(layout::virtual_node_index("vnode-3"), 3);
  EXPECT_EQ(layout::virtual_node_index("vnode-"), std::nullopt);
  EXPECT_EQ(layout::virtual_node_index("vnode-3x"), std::nullopt);
  EXPECT_EQ(layout::virtual_node_index("vnode-99999999999"), std::nullopt);
  EXPECT_EQ(layout::virtual_node_index("pybcast-0"), std::nullopt);
}

TEST(NodeLayout, RecognisesPathsInAnyUsersEntry) {
  const std::string key(32, 'a');
  EXPECT_EQ(layout::path_in_some_entry("/dev/shm/pybcast-12/cache/" + key + "/lib/python3.11"), "lib/python3.11");
  EXPECT_EQ(layout::path_in_some_entry("/x/pybcast-0/vnode-2/cache/" + key), "");
  EXPECT_EQ(layout::path_in_some_entry("/x/pybcast-0/vnode-2/cache/" + key + "/"), "");
  EXPECT_EQ(layout::path_in_some_entry("/x/pybcast-0/cache/short/lib"), std::nullopt);
  EXPECT_EQ(layout::path_in_some_entry("/x/pybcast-0/pycache/x"), std::nullopt);
  EXPECT_EQ(layout::path_in_some_entry("/usr/lib/python3.11"), std::nullopt);
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

TEST(NodeLayout, FurtherImageSlotsCarryTheirKey) {
  EXPECT_EQ(layout::image_mount_name(kKey, 0), kKey);
  EXPECT_EQ(layout::image_mount_name(kKey, 3), kKey + ".3");
  for (int slot = 1; slot < layout::kImageMountSlots; ++slot)
    EXPECT_EQ(layout::extra_mount_key(layout::image_mount_name(kKey, slot)), kKey);
  EXPECT_EQ(layout::extra_mount_key(kKey), std::nullopt);  // slot 0 is the entry itself
  for (const std::string& bad :
       std::vector<std::string>{kKey + ".", kKey + ".0", kKey + ".01", kKey + ".x", kKey + ".-1", "short.1",
                                kKey + "." + std::to_string(layout::kImageMountSlots), kKey + ".1.2"})
    EXPECT_EQ(layout::extra_mount_key(bad), std::nullopt) << bad;
  EXPECT_EQ(layout::mount_lock_name(kKey), kKey + ".mount");
  EXPECT_NE(layout::mount_lock_name(kKey), layout::lock_name(kKey));
}

}  // namespace
}  // namespace pybcast
