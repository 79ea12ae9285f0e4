#include "bundle/metadata_layout.h"

namespace pybcast {

namespace {
constexpr const char* kBundlesDir = "bundles";
}  // namespace

std::vector<std::string> staged_metadata_dir(const std::string& bundle) { return {kMetadataDir, kBundlesDir, bundle}; }

std::string staged_manifest_path(const std::string& prefix, const std::string& bundle) {
  return prefix + "/" + kMetadataDir + "/" + kBundlesDir + "/" + bundle + "/" + kManifestName;
}

}  // namespace pybcast
