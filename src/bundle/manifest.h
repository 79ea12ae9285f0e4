#pragma once
// The manifest member `.pybcast/manifest.json` that `pybcast pack` writes
// first in every bundle. Stage reads it to check free space before
// extracting; the launcher reads the interpreter layout from it; `inspect`
// prints and verifies it. Parsing is strict: bundles come from other people.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bundle/metadata_layout.h"

namespace pybcast {

constexpr const char* kManifestFormat = "pybcast-bundle/1";

/// One regular file or symlink of the bundle (directories are not listed).
struct ManifestEntry {
  std::string path;  ///< prefix-relative member path
  uint64_t size = 0;
  std::string xxh3;  ///< 16 hex digits, regular files only
  std::string link;  ///< symlink target, symlinks only (absent from the JSON otherwise)
};

/// Where things sit inside the bundle, relative to the install prefix.
/// Empty when the bundle does not carry that part.
struct ManifestLayout {
  std::string executable;  ///< e.g. "bin/python3.11"
  std::string libpython;   ///< e.g. "lib/x86_64-linux-gnu/libpython3.11.so.1.0"
  std::string stdlib;      ///< e.g. "lib/python3.11"
  std::string purelib;     ///< e.g. "lib/python3/dist-packages"
  std::string platlib;
  std::string source_prefix;  ///< the prefix the files were packed from (informational)
};

struct ManifestPython {
  std::string version;         ///< "3.11.2"
  std::string abi;             ///< SOABI, e.g. "cpython-311-x86_64-linux-gnu"
  std::string implementation;  ///< "cpython"
};

/// What pack did with symlinks that left the packed set (absent from
/// bundles made before it did anything).
struct ManifestLinks {
  uint64_t inside = 0;    ///< kept: they land inside the bundle
  uint64_t system = 0;    ///< absolute symlinks into system directories every node has
  uint64_t replaced = 0;  ///< replaced by the content of their targets
  uint64_t dangling = 0;  ///< kept, pointing at nothing
  /// "member -> target" of each kind, at most kManifestListedLinks of each.
  std::vector<std::string> system_links, replaced_links, dangling_links;
};
constexpr size_t kManifestListedLinks = 100;

/// One runtime cache a caches bundle holds (kind "caches": `python-mpi
/// --save-caches`), its files under .pybcast/caches/<name>/.
struct ManifestCache {
  std::string name;      ///< "numba": its directory under <user root>/caches/
  std::string variable;  ///< "NUMBA_CACHE_DIR"
  uint64_t files = 0;
  uint64_t bytes = 0;
};

/// What a caches bundle was made on: a cache is only worth staging where it
/// can be valid (launch's warm caches compare these).
struct ManifestCaches {
  std::string machine;     ///< uname -m of the node that wrote it, "x86_64"
  std::string host;        ///< its host name (informational)
  uint64_t nodes = 0;      ///< nodes whose gains were merged
  uint64_t differing = 0;  ///< same path, different content on two nodes: the first node's kept
  std::vector<ManifestCache> kinds;
};

struct Manifest {
  std::string format = kManifestFormat;
  std::string name;
  std::string kind;                             ///< python, dist, dir, env, pip, from-run
  std::map<std::string, std::string> versions;  ///< distribution -> version
  ManifestPython python;
  ManifestLayout layout;
  std::optional<ManifestLinks> links;
  uint64_t files = 0;           ///< entries.size(): regular files and symlinks
  uint64_t unpacked_bytes = 0;  ///< sum of the entries' sizes
  std::vector<ManifestEntry> entries;
  /// Every directory member, so that the member set is complete. Absent from
  /// bundles made before staging checked it: their directories go unchecked.
  std::optional<std::vector<std::string>> dirs;
  std::optional<ManifestCaches> caches;  ///< kind "caches" only
};

/// The kind of a caches bundle, and where its files are, in the bundle and
/// (as any bundle's .pybcast/ members) under the staged prefix's
/// .pybcast/bundles/<bundle>/.
constexpr const char* kCachesKind = "caches";
constexpr const char* kCachesMemberDir = ".pybcast/caches";

std::string manifest_to_json(const Manifest& manifest);
/// True for "" or a relative path without ".." components (a layout.* field).
bool is_inside_path(std::string_view path);
/// Throws Error("manifest: ...") on malformed or inconsistent input.
Manifest parse_manifest(std::string_view json);

}  // namespace pybcast
