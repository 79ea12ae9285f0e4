#pragma once
// A bundle's members, as its tar stream has them, against its manifest: the
// same names, each once, of the same type, size, symlink target and (regular
// files) content hash. Staging checks every member of a bundle that starts
// with its manifest this way while it extracts (the hash on the thread that
// writes the file); `inspect --verify` reads a bundle with it, and a staged
// entry is compared with the same words.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "bundle/manifest.h"

namespace pybcast {

enum class MemberType { file, directory, symlink, hardlink, other };

/// What a manifest says of one member.
struct ExpectedMember {
  MemberType type = MemberType::file;
  uint64_t size = 0;
  std::optional<uint64_t> xxh3;  ///< nullopt: none (sizes only, as for directories staged as they are)
  std::string link;

  /// A manifest entry (a file or a symlink). Throws Error("manifest: ...")
  /// when its hash is not 16 hex digits.
  static ExpectedMember of(const ManifestEntry& entry);
};

/// Why a member of `type`, of `size` bytes (a file) or pointing to `link` (a
/// symlink), is not what the manifest says; nullopt if it is. Its content is
/// compared apart (ManifestCheck::content), once it has been read. Staging,
/// `inspect --verify` and the checks of a staged entry all say it this way.
std::optional<std::string> compare_member(const ExpectedMember& want, MemberType type, uint64_t size,
                                          std::string_view link);

class ManifestCheck {
 public:
  /// Throws Error("manifest: ...") when the manifest contradicts itself
  /// (a path listed twice, a count or total that its entries do not give,
  /// a hash that is not 16 hex digits).
  explicit ManifestCheck(const Manifest& manifest);

  /// One member, its path normalised (no "./", no trailing '/'). Returns why
  /// it differs from the manifest, or nullopt; for a regular file that
  /// matches, the xxh3 its content must have (nullopt: the manifest has none,
  /// as for directories staged as they are).
  std::optional<std::string> member(const std::string& path, MemberType type, uint64_t size, std::string_view link,
                                    std::optional<uint64_t>* xxh3 = nullptr);
  /// After the last member: the members the manifest lists that never came, in its order.
  std::vector<std::string> missing() const;
  /// missing() in one line ("3 members of the manifest are not in the bundle, the first 'a/b'"); nullopt if none.
  std::optional<std::string> missing_summary() const;
  /// Whether the manifest lists directories (bundles packed before it did not).
  bool checks_directories() const { return checks_directories_; }

  /// Why content of `size` bytes hashing to `xxh3` is not the expected; nullopt if it is.
  static std::optional<std::string> content(uint64_t size, uint64_t xxh3, uint64_t expected_size,
                                            std::optional<uint64_t> expected_xxh3);

 private:
  struct Expected {
    ExpectedMember member;
    bool seen = false;
  };

  std::unordered_map<std::string, Expected> expected_;
  std::vector<const std::string*> order_;  ///< the manifest's order, for missing()
  size_t seen_ = 0;
  bool checks_directories_ = false;
};

/// "a file", "a directory", ... for messages.
const char* member_type_name(MemberType type);
/// The 16 hex digits of a manifest's xxh3 as a number; nullopt if malformed.
std::optional<uint64_t> parse_xxh3(std::string_view hex);

}  // namespace pybcast
