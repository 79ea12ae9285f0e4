#include "pack/bundle_reader.h"

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "archive_builder.h"
#include "bundle/manifest.h"
#include "test_dir.h"
#include "util/error.h"
#include "util/hash.h"

namespace pybcast {
namespace {

using testing::ArchiveBuilder;
using testing::Filter;
using testing::TestDir;
using Bytes = std::vector<std::byte>;

std::string xxh3_of(const std::string& text) { return hex64(hash64(std::as_bytes(std::span(text)))); }

/// A bundle as pack makes one: its manifest first, then what it lists.
ArchiveBuilder bundle() {
  Manifest m;
  m.name = "demo";
  m.kind = "dir";
  m.entries = {{"a.py", 10, xxh3_of("VALUE = 1\n"), ""}, {"l", 0, "", "a.py"}};
  m.files = 2;
  m.unpacked_bytes = 10;
  return ArchiveBuilder().file(kManifestMember, manifest_to_json(m)).file("a.py", "VALUE = 1\n").symlink("l", "a.py");
}

std::string write(const TestDir& dir, const std::string& name, const Bytes& bytes) {
  std::string path = dir / name;
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  return path;
}

std::string verify_refusal(const std::string& path) {
  try {
    VerifyReport report = verify_bundle(path);
    return report.problems.empty() ? "" : report.problems.front();
  } catch (const Error& e) {
    return e.what();
  }
}

TEST(BundleReader, ReadsEveryCompressionStagingReads) {
  TestDir dir;
  for (Filter filter :
       {Filter::kNone, Filter::kGzip, Filter::kZstd, Filter::kZstdChecked, Filter::kXz, Filter::kBzip2}) {
    std::string path = write(dir, "b", bundle().build(filter));
    VerifyReport report = verify_bundle(path);
    EXPECT_TRUE(report.problems.empty()) << static_cast<int>(filter) << ": " << report.problems.front();
    EXPECT_EQ(report.checked, 2u);
    EXPECT_EQ(parse_manifest(read_manifest_text(path)).name, "demo");
    std::string into = dir / ("x" + std::to_string(static_cast<int>(filter)));
    std::filesystem::create_directory(into);
    extract_bundle(path, into);
    EXPECT_EQ(testing::read_file(into + "/a.py"), "VALUE = 1\n");
    EXPECT_EQ(std::filesystem::read_symlink(into + "/l"), "a.py");
  }
}

// The decoder staging uses reads inspect's bytes too: the same damage is
// refused in the same words (stream_extractor_test, zstd_frames_test).
TEST(BundleReader, RefusesDamageAsStagingDoes) {
  TestDir dir;
  Bytes gzip = bundle().build(Filter::kGzip);
  gzip.push_back(std::byte{'!'});
  std::string trailing = write(dir, "t.tar.gz", gzip);
  EXPECT_EQ(verify_refusal(trailing).rfind(trailing + ": trailing data after the gzip stream: ", 0), 0u)
      << verify_refusal(trailing);
  std::string into = dir / "x";
  std::filesystem::create_directory(into);
  EXPECT_THROW(extract_bundle(trailing, into), Error);

  Bytes zstd = bundle().build(Filter::kZstdChecked);
  std::string cut = write(dir, "c.tar.zst", Bytes(zstd.begin(), zstd.end() - 3));
  EXPECT_EQ(verify_refusal(cut), cut + ": truncated zstd data (the last frame is incomplete)");

  zstd[zstd.size() - 2] ^= std::byte{0xff};  // the frame's checksum
  std::string corrupt = write(dir, "k.tar.zst", zstd);
  EXPECT_EQ(verify_refusal(corrupt).rfind(corrupt + ": corrupt zstd data (", 0), 0u) << verify_refusal(corrupt);

  std::string empty = write(dir, "e.tar", {});
  EXPECT_EQ(verify_refusal(empty), empty + ": the file is empty");
}

}  // namespace
}  // namespace pybcast
