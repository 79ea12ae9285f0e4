#include "bundle/metadata_layout.h"

#include "util/hash.h"

namespace pybcast {

namespace {
constexpr const char* kBundlesDir = "bundles";
}  // namespace

std::string bundle_metadata_name(const std::string& bundle) {
  constexpr size_t kMax = 200, kKeptEnd = 160;
  std::string name;
  for (char c : bundle) {
    if (c == '/') name += "%2F";
    else if (c == '%') name += "%25";
    else name += c;
  }
  if (name.empty() || name == "." || name == "..") name = "%2E" + name;
  if (name.size() > kMax) name = name.substr(name.size() - kKeptEnd) + "-" + hex128(bundle).substr(0, 16);
  return name;
}

std::vector<std::string> staged_metadata_dir(const std::string& bundle) {
  return {kMetadataDir, kBundlesDir, bundle_metadata_name(bundle)};
}

std::string staged_member_path(const std::string& bundle, const std::string& member) {
  std::string metadata = std::string(kMetadataDir) + "/";
  if (!member.starts_with(metadata)) return member;
  return metadata + kBundlesDir + "/" + bundle_metadata_name(bundle) + "/" + member.substr(metadata.size());
}

std::string staged_manifest_path(const std::string& prefix, const std::string& bundle) {
  return prefix + "/" + kMetadataDir + "/" + kBundlesDir + "/" + bundle_metadata_name(bundle) + "/" + kManifestName;
}

}  // namespace pybcast
