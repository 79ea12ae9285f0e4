#pragma once
// Builds tar archives in memory for tests, including entries no honest tar
// tool would write (absolute paths, "..", devices, links to anywhere).
#include <archive.h>
#include <archive_entry.h>

#include <cstddef>
#include <string>
#include <vector>

namespace pybcast::testing {

/// kZstdChecked: zstd with frame checksums, as the zstd tool writes by default.
enum class Filter { kNone, kGzip, kZstd, kXz, kBzip2, kZstdChecked };

class ArchiveBuilder {
 public:
  ArchiveBuilder& file(const std::string& path, const std::string& data, int mode = 0644, long mtime = 1700000000);
  ArchiveBuilder& dir(const std::string& path, int mode = 0755, long mtime = 1700000000);
  ArchiveBuilder& symlink(const std::string& path, const std::string& target);
  ArchiveBuilder& hardlink(const std::string& path, const std::string& target);
  ArchiveBuilder& special(const std::string& path, unsigned type);  ///< AE_IFCHR, AE_IFIFO, ...
  std::vector<std::byte> build(Filter filter = Filter::kNone) const;

 private:
  struct Item {
    std::string path, data, link;
    unsigned type;
    int mode;
    long mtime;
    bool hard;
  };
  std::vector<Item> items_;
};

inline std::string to_string(const std::vector<std::byte>& bytes) {
  return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

}  // namespace pybcast::testing
