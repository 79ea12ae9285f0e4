#include "archive/stream_extractor.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>

#include <gtest/gtest.h>

#include "archive_builder.h"
#include "bundle/manifest.h"
#include "test_dir.h"
#include "util/io.h"

namespace pybcast {
namespace {

using testing::ArchiveBuilder;
using testing::Filter;
using testing::TestDir;

struct Outcome {
  bool ok;
  std::string message;
  ExtractResult result;
};

/// Streams each bundle through the extractor in `chunk`-byte pieces.
Outcome extract(const std::string& into, const std::vector<std::pair<std::string, std::vector<std::byte>>>& bundles,
                size_t chunk = 4096) {
  io::Fd root = io::open(into, O_RDONLY | O_DIRECTORY);
  LocalStatus status;
  std::vector<std::string> names;
  for (const auto& b : bundles) names.push_back(b.first);
  StreamExtractor extractor(root.get(), names, status, [](std::byte*) {});
  for (size_t i = 0; i < bundles.size(); ++i) {
    const auto& bytes = bundles[i].second;
    size_t offset = 0;
    do {
      size_t n = std::min(chunk, bytes.size() - offset);
      extractor.push(StreamChunk{i, bytes.data() + offset, n, offset + n == bytes.size(), nullptr});
      offset += n;
    } while (offset < bytes.size());
  }
  ExtractResult result = extractor.finish();
  return {!status.failed(), status.message(), result};
}

Outcome extract_one(const std::string& into, const std::vector<std::byte>& bytes, const std::string& name = "b.tar") {
  return extract(into, {{name, bytes}});
}

mode_t mode_of(const std::string& path) {
  struct stat st {};
  lstat(path.c_str(), &st);
  return st.st_mode;
}

class ExtractorFilters : public ::testing::TestWithParam<Filter> {};

TEST_P(ExtractorFilters, ExtractsTreeWithModesLinksAndMtimes) {
  TestDir dir;
  auto bytes = ArchiveBuilder()
                   .dir("pkg", 0755, 1600000000)
                   .file("pkg/__init__.py", "print('hi')\n", 0644, 1600000001)
                   .file("pkg/tool", "#!/bin/sh\n", 0755)
                   .file("pkg/readonly.txt", "ro", 0444)
                   .dir("pkg/ro", 0555)
                   .file("pkg/ro/inside", "x")
                   .symlink("pkg/link.py", "__init__.py")
                   .hardlink("pkg/hard.py", "pkg/__init__.py")
                   .build(GetParam());
  Outcome out = extract_one(dir.path(), bytes);
  ASSERT_TRUE(out.ok) << out.message;
  EXPECT_EQ(testing::read_file(dir / "pkg/__init__.py"), "print('hi')\n");
  EXPECT_EQ(mode_of(dir / "pkg/tool") & 07777, 0555u);  // published read-only (issue 18, C4)
  EXPECT_EQ(mode_of(dir / "pkg/readonly.txt") & 07777, 0444u);
  EXPECT_EQ(mode_of(dir / "pkg/ro") & 07777, 0555u);
  EXPECT_EQ(testing::read_file(dir / "pkg/ro/inside"), "x");
  EXPECT_TRUE(S_ISLNK(mode_of(dir / "pkg/link.py")));
  struct stat a {
  }, b{};
  stat((dir / "pkg/__init__.py").c_str(), &a);
  stat((dir / "pkg/hard.py").c_str(), &b);
  EXPECT_EQ(a.st_ino, b.st_ino);
  EXPECT_EQ(a.st_mtim.tv_sec, 1600000001);
  struct stat d {};
  stat((dir / "pkg").c_str(), &d);
  EXPECT_EQ(d.st_mtim.tv_sec, 1600000000);
  EXPECT_EQ(out.result.stats.files, 4u);
  EXPECT_EQ(out.result.stats.symlinks, 1u);
  EXPECT_EQ(out.result.stats.hardlinks, 1u);
}

INSTANTIATE_TEST_SUITE_P(AllFilters, ExtractorFilters,
                         ::testing::Values(Filter::kNone, Filter::kGzip, Filter::kZstd, Filter::kXz, Filter::kBzip2,
                                           Filter::kZstdChecked));

TEST(Extractor, LargeFileAcrossManyChunks) {
  TestDir dir;
  std::string big(3 << 20, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 7 + i / 4096);
  auto bytes = ArchiveBuilder().file("big.bin", big).build(Filter::kZstd);
  Outcome out = extract(dir.path(), {{"big.tar.zst", bytes}}, 1000);
  ASSERT_TRUE(out.ok) << out.message;
  EXPECT_EQ(testing::read_file(dir / "big.bin"), big);
}

TEST(Extractor, BundlesMergeInOrderAndLaterWins) {
  TestDir dir;
  auto first = ArchiveBuilder().file("a.txt", "one").file("only1", "1").build(Filter::kGzip);
  auto second = ArchiveBuilder().file("a.txt", "two").file("only2", "2").build(Filter::kZstd);
  Outcome out = extract(dir.path(), {{"first.tar.gz", first}, {"second.tar.zst", second}});
  ASSERT_TRUE(out.ok) << out.message;
  EXPECT_EQ(testing::read_file(dir / "a.txt"), "two");
  EXPECT_EQ(testing::read_file(dir / "only1"), "1");
  EXPECT_EQ(out.result.stats.conflicts, 1u);
}

TEST(Extractor, DropsSetuidAndSetgid) {
  TestDir dir;
  auto bytes = ArchiveBuilder().file("suid", "x", 06755).dir("sgid", 02775).build();
  ASSERT_TRUE(extract_one(dir.path(), bytes).ok);
  EXPECT_EQ(mode_of(dir / "suid") & 07777, 0555u);
  EXPECT_EQ(mode_of(dir / "sgid") & 07777, 0555u);
}

TEST(Extractor, PublishesReadOnlyAndDirectoriesOursToEnter) {
  // Issue 18, C4 and C10: no write bit anywhere (a job cannot edit what the
  // next one runs), and a mode-000 directory stays ours to list and remove.
  TestDir dir;
  auto bytes = ArchiveBuilder()
                   .dir("locked", 0000)
                   .file("locked/inside", "x", 0664)
                   .dir("open", 0777)
                   .file("open/tool", "#!/bin/sh\n", 0775)
                   .build();
  ASSERT_TRUE(extract_one(dir.path(), bytes).ok);
  EXPECT_EQ(mode_of(dir / "locked") & 07777, 0500u);
  EXPECT_EQ(mode_of(dir / "locked/inside") & 07777, 0444u);
  EXPECT_EQ(mode_of(dir / "open") & 07777, 0555u);
  EXPECT_EQ(mode_of(dir / "open/tool") & 07777, 0555u);
  int root = ::open(dir.path().c_str(), O_RDONLY | O_DIRECTORY);
  io::remove_tree_at(root, "locked", "locked");
  ::close(root);
  EXPECT_FALSE(std::filesystem::exists(dir / "locked"));
}

TEST(Extractor, SymlinksOutsideAreCreatedAndListed) {
  TestDir dir;
  auto bytes = ArchiveBuilder()
                   .dir("lib")
                   .symlink("lib/sitecustomize.py", "/etc/python3.11/sitecustomize.py")
                   .symlink("lib/up", "../..")
                   .symlink("lib/fine", "../lib")
                   .build();
  Outcome out = extract_one(dir.path(), bytes);
  ASSERT_TRUE(out.ok) << out.message;
  EXPECT_EQ(out.result.stats.outside_symlink_count, 2u);
  ASSERT_EQ(out.result.stats.outside_symlinks.size(), 2u);
  EXPECT_EQ(out.result.stats.outside_symlinks[0], "lib/sitecustomize.py -> /etc/python3.11/sitecustomize.py");
}

std::string manifest_json(const std::string& name, uint64_t unpacked) {
  Manifest m;
  m.name = name;
  m.unpacked_bytes = unpacked;
  return manifest_to_json(m);
}

TEST(Extractor, BundleMetadataIsKeptPerBundle) {
  TestDir dir;
  auto a = ArchiveBuilder().file(".pybcast/manifest.json", manifest_json("a", 1)).file("x", "x").build();
  auto b = ArchiveBuilder().file("./.pybcast/manifest.json", manifest_json("b", 1)).build();
  Outcome out = extract(dir.path(), {{"a.tar", a}, {"b.tar", b}});
  ASSERT_TRUE(out.ok) << out.message;
  EXPECT_EQ(testing::read_file(dir / ".pybcast/bundles/a.tar/manifest.json"), manifest_json("a", 1));
  EXPECT_EQ(testing::read_file(dir / ".pybcast/bundles/b.tar/manifest.json"), manifest_json("b", 1));
}

TEST(Extractor, RefusesABundleTooBigForTheFreeSpaceBeforeExtractingIt) {
  TestDir dir;
  auto bomb = ArchiveBuilder()
                  .file(".pybcast/manifest.json", manifest_json("bomb", uint64_t{1} << 60))
                  .file("never-written", "x")
                  .build(Filter::kGzip);
  Outcome out = extract_one(dir.path(), bomb, "bomb.tar.gz");
  ASSERT_FALSE(out.ok);
  EXPECT_NE(out.message.find("bundle 'bomb.tar.gz' unpacks to 1024 PiB but only"), std::string::npos) << out.message;
  EXPECT_FALSE(testing::exists_nofollow(dir / "never-written"));
}

TEST(Extractor, RefusesAMalformedManifest) {
  TestDir dir;
  Outcome out = extract_one(dir.path(), ArchiveBuilder().file(".pybcast/manifest.json", "{nope").build(), "m.tar");
  ASSERT_FALSE(out.ok);
  EXPECT_NE(out.message.find("entry '.pybcast/manifest.json': manifest:"), std::string::npos) << out.message;
}

struct Hostile {
  const char* name;
  ArchiveBuilder archive;
  const char* expected;  ///< substring of the error
};

class ExtractorRefuses : public ::testing::TestWithParam<Hostile> {};

TEST_P(ExtractorRefuses, WithMessageNamingBundleAndEntry) {
  TestDir outer;
  std::string into = outer / "prefix";
  mkdir(into.c_str(), 0700);
  Outcome out = extract_one(into, GetParam().archive.build(Filter::kGzip), "evil.tar.gz");
  ASSERT_FALSE(out.ok);
  EXPECT_NE(out.message.find("bundle 'evil.tar.gz'"), std::string::npos) << out.message;
  EXPECT_NE(out.message.find(GetParam().expected), std::string::npos) << out.message;
  // Nothing escaped the prefix: the outer directory holds only it.
  size_t count = 0;
  for (auto& e : std::filesystem::directory_iterator(outer.path())) count += (void(e), 1);
  EXPECT_EQ(count, 1u);
  EXPECT_FALSE(testing::exists_nofollow(outer / "x"));
  EXPECT_FALSE(testing::exists_nofollow(outer / "escaped"));
}

INSTANTIATE_TEST_SUITE_P(
    Hostile, ExtractorRefuses,
    ::testing::Values(
        Hostile{"dotdot", ArchiveBuilder().file("../x", "x"), "entry '../x': path contains a '..'"},
        Hostile{"deep_dotdot", ArchiveBuilder().dir("a").file("a/b/../../../x", "x"), "'..'"},
        Hostile{"absolute", ArchiveBuilder().file("/tmp/pybcast-abs-test", "x"), "absolute path refused"},
        Hostile{"through_symlink", ArchiveBuilder().symlink("etc", "/etc").file("etc/pybcast-evil", "x"),
                "entry 'etc/pybcast-evil': path passes through the symlink 'etc'"},
        Hostile{"through_relative_symlink",
                ArchiveBuilder().dir("d").symlink("d/up", "../..").file("d/up/escaped", "x"),
                "passes through the symlink 'd/up'"},
        Hostile{"chain_two_hops",
                ArchiveBuilder().dir("a").symlink("a/one", "../b").symlink("b", "..").file("a/one/x", "x"),
                "passes through the symlink 'a/one'"},
        Hostile{"hardlink_outside", ArchiveBuilder().hardlink("h", "../x"), "hard link target '../x' refused"},
        Hostile{"hardlink_absolute", ArchiveBuilder().hardlink("h", "/etc/passwd"), "refused"},
        Hostile{"hardlink_missing", ArchiveBuilder().hardlink("h", "later").file("later", "x"),
                "hard link target 'later' is not (yet) extracted"},
        Hostile{"hardlink_through_symlink", ArchiveBuilder().symlink("s", "/etc").hardlink("h", "s/passwd"),
                "hard link target"},
        Hostile{"char_device", ArchiveBuilder().special("dev", AE_IFCHR), "device nodes are not allowed"},
        Hostile{"block_device", ArchiveBuilder().special("blk", AE_IFBLK), "device nodes are not allowed"},
        Hostile{"fifo", ArchiveBuilder().special("fifo", AE_IFIFO), "FIFOs are not allowed"},
        Hostile{"file_over_nonempty_dir", ArchiveBuilder().dir("d").file("d/f", "x").file("d", "y"),
                "would replace a non-empty directory"},
        Hostile{"long_name", ArchiveBuilder().file(std::string(300, 'n'), "x"), "NAME_MAX"},
        Hostile{"zero_entries", ArchiveBuilder(), "contains no entries"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(Extractor, DirectoryReplacedByFileAndBack) {
  TestDir dir;
  auto bytes = ArchiveBuilder().dir("d").file("d", "now a file").file("f", "x").dir("f").build();
  Outcome out = extract_one(dir.path(), bytes);
  ASSERT_TRUE(out.ok) << out.message;
  EXPECT_EQ(testing::read_file(dir / "d"), "now a file");
  EXPECT_TRUE(S_ISDIR(mode_of(dir / "f")));
  EXPECT_EQ(out.result.stats.conflicts, 2u);
}

TEST(Extractor, ReplacingASymlinkNeverWritesThroughIt) {
  TestDir outer;
  std::string into = outer / "prefix";
  mkdir(into.c_str(), 0700);
  std::string victim = outer / "victim";
  { std::ofstream(victim) << "original"; }
  auto bytes = ArchiveBuilder().symlink("f", victim).file("f", "replaced").build();
  Outcome out = extract_one(into, bytes);
  ASSERT_TRUE(out.ok) << out.message;
  EXPECT_EQ(testing::read_file(victim), "original");
  EXPECT_EQ(testing::read_file(into + "/f"), "replaced");
}

double cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// Found by fuzzing: applying the attributes of D nested directories reopened
// every ancestor of each one (the fd cache was emptied whenever it held more
// than 256 fds), O(D^2) openat calls and O(D^3) bytes of path joining: 23 s
// of CPU for D = 1500 under ASan, 0.5 s now.
TEST(Extractor, DeeplyNestedDirectoriesCostLinearTimeAndFewFds) {
  // Issue 18, C21: a legal 1,500-level path under `ulimit -n 1024`, as users
  // have it (the fd cache used to hold one fd per level: EMFILE).
  constexpr int kDepth = 1500;
  rlimit fds{};
  getrlimit(RLIMIT_NOFILE, &fds);
  rlimit low = fds;
  low.rlim_cur = std::min<rlim_t>(1024, fds.rlim_max);
  setrlimit(RLIMIT_NOFILE, &low);
  std::string deep;
  for (int i = 0; i < kDepth; ++i) deep += "d/";
  auto bytes = ArchiveBuilder().file(deep + "f", "x").file(deep + "g", "y").build(Filter::kZstd);
  TestDir dir;
  double start = cpu_seconds();
  Outcome out = extract_one(dir.path(), bytes, "deep.tar.zst");
  double used = cpu_seconds() - start;
  setrlimit(RLIMIT_NOFILE, &fds);
  ASSERT_TRUE(out.ok) << out.message;
  EXPECT_EQ(testing::read_file(dir / (deep + "g")), "y");
  EXPECT_LT(used, 2.0) << "CPU seconds to extract " << kDepth << " nested directories";
  // Removal (gc, a failed extraction) holds one directory fd at a time too.
  setrlimit(RLIMIT_NOFILE, &low);
  int root = ::open(dir.path().c_str(), O_RDONLY | O_DIRECTORY);
  EXPECT_NO_THROW(io::remove_tree_at(root, "d", "d"));
  ::close(root);
  setrlimit(RLIMIT_NOFILE, &fds);
  EXPECT_FALSE(std::filesystem::exists(dir / "d"));
}

std::vector<std::byte> corrupt(std::vector<std::byte> bytes, size_t at) {
  bytes[at] ^= std::byte{0x5a};
  return bytes;
}

TEST(Extractor, RefusesBrokenStreams) {
  std::string big(200000, 'z');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>((i * 2654435761u) >> 13);
  auto gz = ArchiveBuilder().file("a", big).file("b", big).build(Filter::kGzip);
  auto zst = ArchiveBuilder().file("a", big).file("b", big).build(Filter::kZstdChecked);
  struct Case {
    std::string name;
    std::vector<std::byte> bytes;
    const char* expected;
  } cases[] = {
      {"trunc.tar.gz", {gz.begin(), gz.begin() + gz.size() / 2}, "bundle 'trunc.tar.gz'"},
      {"flip.tar.gz", corrupt(gz, gz.size() / 2), "bundle 'flip.tar.gz'"},
      {"trunc.tar.zst", {zst.begin(), zst.begin() + zst.size() / 2}, "bundle 'trunc.tar.zst'"},
      {"flip.tar.zst", corrupt(zst, zst.size() / 2), "bundle 'flip.tar.zst'"},
      {"text.tar", std::vector<std::byte>(100, std::byte{'t'}), "not a tar archive"},
      {"empty.tar.gz", {}, "bundle 'empty.tar.gz' is empty"},
  };
  for (const auto& c : cases) {
    TestDir dir;
    Outcome out = extract_one(dir.path(), c.bytes, c.name);
    EXPECT_FALSE(out.ok) << c.name;
    EXPECT_NE(out.message.find(c.expected), std::string::npos) << c.name << ": " << out.message;
  }
}

// Issue 14: gzip through ISA-L (default where built in) and zlib
// (PYBCAST_GZIP_INFLATER=zlib): the same checks either way.
class GzipInflaters : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override { ::setenv("PYBCAST_GZIP_INFLATER", GetParam(), 1); }
  void TearDown() override { ::unsetenv("PYBCAST_GZIP_INFLATER"); }
  std::string expected_name() const {
#ifdef PYBCAST_TEST_HAVE_ISAL
    if (std::string(GetParam()) == "isal") return "gzip (ISA-L)";
#endif
    return "gzip (zlib)";
  }
};

TEST_P(GzipInflaters, ChecksCrcLengthAndTruncationAndReadsConcatenatedMembers) {
  std::string big(300000, 'z');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>((i * 2654435761u) >> 13);
  auto one = ArchiveBuilder().file("a", big).build(Filter::kGzip);
  auto two = ArchiveBuilder().file("b", "second member").build(Filter::kGzip);
  // Two members (one tar stream split across them would be odd; here the first
  // member's tar end blocks are followed by a second archive, as `cat` gives).
  auto bad_crc = corrupt(one, one.size() - 8);
  auto bad_length = corrupt(one, one.size() - 3);
  struct Case {
    std::string name;
    std::vector<std::byte> bytes;
  } refused[] = {{"crc.tar.gz", bad_crc},
                 {"length.tar.gz", bad_length},
                 {"trunc.tar.gz", {one.begin(), one.end() - 5}},
                 {"flip.tar.gz", corrupt(one, one.size() / 3)}};
  for (const auto& c : refused) {
    TestDir dir;
    Outcome out = extract(dir.path(), {{c.name, c.bytes}}, 4096);
    EXPECT_FALSE(out.ok) << GetParam() << " accepted " << c.name;
    EXPECT_NE(out.message.find("bundle '" + c.name + "'"), std::string::npos) << out.message;
  }
  std::vector<std::byte> both = one;
  both.insert(both.end(), two.begin(), two.end());
  TestDir dir;
  Outcome out = extract(dir.path(), {{"both.tar.gz", both}}, 4096);  // member boundary inside a chunk
  ASSERT_TRUE(out.ok) << out.message;
  EXPECT_EQ(testing::read_file(dir / "a"), big);
  ASSERT_EQ(out.result.decoders.size(), 1u);
  EXPECT_EQ(out.result.decoders[0], expected_name());
}

INSTANTIATE_TEST_SUITE_P(Both, GzipInflaters, ::testing::Values("isal", "zlib"));

TEST(Extractor, AcceptsZeroPaddingAfterTheLastGzipMemberButNothingAfterIt) {
  auto gz = ArchiveBuilder().file("a.txt", "padded").build(Filter::kGzip);
  std::vector<std::byte> padded = gz;
  padded.resize(gz.size() + 10000, std::byte{0});  // gzip -t and tar -xzf accept this
  {
    TestDir dir;
    Outcome out = extract(dir.path(), {{"padded.tar.gz", padded}}, 4096);  // padding spans chunks
    ASSERT_TRUE(out.ok) << out.message;
    EXPECT_EQ(testing::read_file(dir / "a.txt"), "padded");
  }
  std::vector<std::byte> garbage = padded;
  garbage.push_back(std::byte{'x'});
  TestDir dir;
  Outcome out = extract_one(dir.path(), garbage, "garbage.tar.gz");
  EXPECT_FALSE(out.ok);
  EXPECT_NE(out.message.find("bundle 'garbage.tar.gz'"), std::string::npos) << out.message;
}

}  // namespace
}  // namespace pybcast
