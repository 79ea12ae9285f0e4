// Archive bytes -> StreamExtractor, as a node leader extracts a bundle, into a
// fresh prefix inside a scratch directory; then io::remove_tree_at removes it,
// as staging removes a failed tmp directory. After every input, whatever the
// outcome, it checks that:
//  - nothing was created outside the prefix: the scratch directory holds only
//    the prefix, and the "outside" directory that the seeds' absolute paths
//    and link targets name (kOutside) is still empty;
//  - the prefix holds only directories, regular files and symlinks, with no
//    setuid/setgid bits;
//  - a failure names the bundle; no file descriptor is leaked;
//  - remove_tree_at leaves nothing behind;
//  - with 8 extract threads (a writer pool, zstd frames on a decoding pool)
//    the outcome is the same as with 1: refused, or extracted into the same
//    tree (paths, types, modes, sizes, bytes, symlink targets). Not always the
//    same message: a sized zstd frame is decoded whole on the pool and streamed
//    with 1 thread, and for some corrupt frames libzstd names the fault
//    differently in the two modes ("Destination buffer is too small" against
//    "Corrupted block detected").
// The input is one bundle, or several joined by kBundleSeparator (later
// bundles merge over earlier ones, as in `pybcast stage a b`). It is pushed in
// chunks whose size derives from the input length, so splits vary.
#include <dirent.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "archive/stream_extractor.h"
#include "fuzz_common.h"
#include "fuzz_tree.h"
#include "util/io.h"

namespace {

using namespace pybcast;

std::string g_scratch;  ///< holds only "prefix" while an input is extracted

std::vector<std::string_view> split_bundles(std::string_view input) {
  std::vector<std::string_view> bundles;
  for (;;) {
    size_t at = input.find(fuzz::kBundleSeparator);
    if (at == std::string_view::npos || bundles.size() + 1 == fuzz::kMaxBundles) break;
    bundles.push_back(input.substr(0, at));
    input.remove_prefix(at + fuzz::kBundleSeparator.size());
  }
  bundles.push_back(input);
  return bundles;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // Deep trees keep one fd per directory level open.
  rlimit fds{};
  if (::getrlimit(RLIMIT_NOFILE, &fds) == 0) {
    fds.rlim_cur = fds.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &fds);
  }
  g_scratch = fuzz::make_extraction_scratch("fuzz-extract");
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::vector<std::string_view> bundles = split_bundles(input);
  std::vector<std::string> names;
  for (size_t i = 0; i < bundles.size(); ++i) names.push_back("fuzz" + std::to_string(i) + ".tar");
  size_t chunk = 1 + (size * 2654435761u) % 9000;

  std::string outcomes[2];
  for (int pass = 0; pass < 2; ++pass)
    outcomes[pass] = fuzz::extract_and_check(g_scratch, bundles, names, chunk, pass == 0 ? 1 : 8);
  if (outcomes[0] != outcomes[1])
    fuzz::die("1 and 8 extract threads disagree: '" + outcomes[0].substr(0, 2000) + "' vs '" +
              outcomes[1].substr(0, 2000) + "'");
  return 0;
}
