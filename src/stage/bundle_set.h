#pragma once
// Rank 0's view of the bundles on the shared file system: each is opened once
// (one open, then fstat on the fd: no other metadata traffic) and read in
// large sequential chunks. It is the pipeline's ChunkSource.
#include <string>
#include <vector>

#include "bcast/chunk_pipeline.h"
#include "cache/cache_key.h"
#include "util/io.h"

namespace pybcast {

class BundleSet : public ChunkSource {
 public:
  /// Opens every bundle; throws one Error listing every bundle that cannot
  /// be used, by name and reason.
  BundleSet(const std::string& pkgroot, const std::vector<std::string>& names);

  const std::vector<BundleIdentity>& identities() const { return identities_; }
  std::vector<uint64_t> sizes() const;
  const std::vector<std::string>& names() const { return names_; }

  void read(const ChunkSpec& spec, std::span<std::byte> out) override;

  /// Where `name` is looked for: itself if absolute, else under pkgroot.
  static std::string resolve(const std::string& pkgroot, const std::string& name);

 private:
  std::vector<std::string> names_;
  std::vector<BundleIdentity> identities_;
  std::vector<io::Fd> files_;
};

}  // namespace pybcast
