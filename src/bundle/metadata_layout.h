#pragma once
// The `.pybcast/` directory, named in one place:
//   in a bundle          .pybcast/manifest.json           written first by `pybcast pack`
//   in a staged prefix   .pybcast/bundles/<bundle>/...    each bundle's own .pybcast/ members
//                        .pybcast/stage.json              what staging recorded
//                        venv/                            a venv named as a directory (tree/live_venv.h)
#include <string>
#include <vector>

namespace pybcast {

inline constexpr const char* kMetadataDir = ".pybcast";
inline constexpr const char* kManifestMember = ".pybcast/manifest.json";
inline constexpr const char* kManifestName = "manifest.json";
inline constexpr const char* kStageRecordName = "stage.json";
inline constexpr const char* kStagedVenvDir = "venv";
/// In an image bundle (pack/image_writer): the bundles it was made of, in merge order.
inline constexpr const char* kImageRecord = ".pybcast/image.json";

/// The one path component that stands for bundle `bundle` (as the user named
/// it: "python.tar.zst", "sub/x.tar.zst", "/scratch/me/x.tar.zst") under
/// .pybcast/bundles/: '/' and '%' escaped (%2F, %25), never "." or "..",
/// and at most 200 bytes (a longer name keeps its end and gets a hash).
std::string bundle_metadata_name(const std::string& bundle);
/// Where bundle `bundle`'s `.pybcast/` members go in the staged prefix, as components.
std::vector<std::string> staged_metadata_dir(const std::string& bundle);
/// Where member `member` of bundle `bundle` is in the staged prefix: a
/// ".pybcast/x" member under the bundle's own metadata directory
/// (".pybcast/bundles/<bundle>/x"), any other where it says.
std::string staged_member_path(const std::string& bundle, const std::string& member);
/// prefix/.pybcast/bundles/<bundle>/manifest.json.
std::string staged_manifest_path(const std::string& prefix, const std::string& bundle);

}  // namespace pybcast
