#include "bundle/metadata_layout.h"

#include <gtest/gtest.h>

namespace pybcast {
namespace {

TEST(MetadataLayout, EveryBundleNameIsOneSafeComponent) {
  EXPECT_EQ(bundle_metadata_name("python.tar.zst"), "python.tar.zst");
  EXPECT_EQ(bundle_metadata_name("/scratch/me/python.tar.zst"), "%2Fscratch%2Fme%2Fpython.tar.zst");
  EXPECT_EQ(bundle_metadata_name("sub/x%2Fy.tar"), "sub%2Fx%252Fy.tar");
  EXPECT_EQ(bundle_metadata_name("../../../../etc"), "..%2F..%2F..%2F..%2Fetc");
  EXPECT_EQ(bundle_metadata_name(".."), "%2E..");
  EXPECT_EQ(bundle_metadata_name("."), "%2E.");
  EXPECT_EQ(bundle_metadata_name(""), "%2E");
  std::string long_name(300, 'a');
  std::string shown = bundle_metadata_name("/x/" + long_name);
  EXPECT_LE(shown.size(), 200u);
  EXPECT_NE(shown, bundle_metadata_name("/y/" + long_name)) << "long names that differ early must not collide";
  for (const std::string& name : {std::string("/a/b"), std::string("../x"), long_name})
    EXPECT_EQ(bundle_metadata_name(name).find('/'), std::string::npos) << name;
}

TEST(MetadataLayout, StagedManifestPathUsesTheSameName) {
  EXPECT_EQ(staged_manifest_path("/p", "/s/n.tar"), "/p/.pybcast/bundles/%2Fs%2Fn.tar/manifest.json");
  EXPECT_EQ(staged_metadata_dir("/s/n.tar"), (std::vector<std::string>{".pybcast", "bundles", "%2Fs%2Fn.tar"}));
}

}  // namespace
}  // namespace pybcast
