#include "archive/stream_extractor.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <algorithm>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <map>
#include <sstream>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <zlib.h>
#include <zstd.h>

#include "archive_builder.h"
#include "bundle/manifest.h"
#include "test_dir.h"
#include "util/hash.h"
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
                size_t chunk = 4096, unsigned threads = 1, GzipInflater inflater = GzipInflater::kIsal) {
  io::Fd root = io::open(into, O_RDONLY | O_DIRECTORY);
  LocalStatus status;
  std::vector<std::string> names;
  for (const auto& b : bundles) names.push_back(b.first);
  ExtractOptions options;
  options.threads = threads;
  options.gzip_inflater = inflater;
  StreamExtractor extractor(
      root.get(), names, status, [](std::byte*) {}, options);
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

/// A manifest listing `files` (path -> content), or one file of `unpacked` bytes that is not there.
std::string manifest_json(const std::string& name, uint64_t unpacked,
                          const std::vector<std::pair<std::string, std::string>>& files = {}) {
  Manifest m;
  m.name = name;
  for (const auto& [path, content] : files) {
    m.entries.push_back({path, content.size(), hex64(hash64(std::as_bytes(std::span(content)))), ""});
    m.unpacked_bytes += content.size();
  }
  if (files.empty() && unpacked > 0) {
    m.entries.push_back({"absent", unpacked, "0000000000000000", ""});
    m.unpacked_bytes = unpacked;
  }
  m.files = m.entries.size();
  return manifest_to_json(m);
}

TEST(Extractor, BundleMetadataIsKeptPerBundle) {
  TestDir dir;
  auto a = ArchiveBuilder().file(".pybcast/manifest.json", manifest_json("a", 0, {{"x", "x"}})).file("x", "x").build();
  auto b = ArchiveBuilder().file("./.pybcast/manifest.json", manifest_json("b", 0)).build();
  Outcome out = extract(dir.path(), {{"a.tar", a}, {"b.tar", b}});
  ASSERT_TRUE(out.ok) << out.message;
  EXPECT_EQ(testing::read_file(dir / ".pybcast/bundles/a.tar/manifest.json"), manifest_json("a", 0, {{"x", "x"}}));
  EXPECT_EQ(testing::read_file(dir / ".pybcast/bundles/b.tar/manifest.json"), manifest_json("b", 0));
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

// The same refusal, word for word, whether the parser writes every file or 8 writer threads do.
TEST_P(ExtractorRefuses, WithMessageNamingBundleAndEntry) {
  std::vector<std::string> messages;
  for (unsigned threads : {1u, 8u}) {
    SCOPED_TRACE(::testing::Message() << threads << " extract threads");
    TestDir outer;
    std::string into = outer / "prefix";
    mkdir(into.c_str(), 0700);
    Outcome out = extract(into, {{"evil.tar.gz", GetParam().archive.build(Filter::kGzip)}}, 4096, threads);
    ASSERT_FALSE(out.ok);
    EXPECT_NE(out.message.find("bundle 'evil.tar.gz'"), std::string::npos) << out.message;
    EXPECT_NE(out.message.find(GetParam().expected), std::string::npos) << out.message;
    // Nothing escaped the prefix: the outer directory holds only it.
    size_t count = 0;
    for (auto& e : std::filesystem::directory_iterator(outer.path())) count += (void(e), 1);
    EXPECT_EQ(count, 1u);
    EXPECT_FALSE(testing::exists_nofollow(outer / "x"));
    EXPECT_FALSE(testing::exists_nofollow(outer / "escaped"));
    messages.push_back(out.message);
  }
  EXPECT_EQ(messages[0], messages[1]);
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

/// A tree as pack bundles it: the manifest first (files with sizes and
/// hashes, symlinks, directories), then the members in order.
struct Member {
  char type;  ///< 'd', 'f', 'l' (symlink), 'h' (hard link)
  std::string path, data;
};

const std::vector<Member> kPacked = {
    {'d', "lib", ""},          {'f', "lib/a.py", "alpha"}, {'f', "lib/b.py", std::string(300000, 'b')},
    {'l', "lib/c.py", "a.py"}, {'d', "lib/empty", ""},     {'f', "z.txt", "zed"},
};

std::string packed_manifest(const std::vector<Member>& members) {
  Manifest m;
  m.name = "packed";
  m.dirs.emplace();
  for (const auto& e : members) {
    if (e.type == 'd') m.dirs->push_back(e.path);
    else if (e.type == 'l') m.entries.push_back({e.path, 0, "", e.data});
    else m.entries.push_back({e.path, e.data.size(), hex64(hash64(std::as_bytes(std::span(e.data)))), ""});
    if (e.type == 'f') m.unpacked_bytes += e.data.size();
  }
  m.files = m.entries.size();
  return manifest_to_json(m);
}

/// The bundle of `members` whose manifest describes `described` (the tree as packed).
ArchiveBuilder packed_bundle(const std::vector<Member>& members, const std::vector<Member>& described = kPacked) {
  ArchiveBuilder b;
  b.file(".pybcast/manifest.json", packed_manifest(described));
  for (const auto& e : members) {
    if (e.type == 'd') b.dir(e.path);
    else if (e.type == 'f') b.file(e.path, e.data);
    else if (e.type == 'l') b.symlink(e.path, e.data);
    else b.hardlink(e.path, e.data);
  }
  return b;
}

struct Damaged {
  const char* name;
  std::vector<Member> members;
  const char* expected;  ///< substring of the error
};

std::vector<Member> with(std::vector<Member> members, size_t at, const Member& m) {
  members[at] = m;
  return members;
}
std::vector<Member> without(std::vector<Member> members, size_t at) {
  members.erase(members.begin() + static_cast<ptrdiff_t>(at));
  return members;
}
std::vector<Member> plus(std::vector<Member> members, const Member& m) {
  members.push_back(m);
  return members;
}

class ExtractorVerifies : public ::testing::TestWithParam<Damaged> {};

// A bundle that starts with its manifest is refused where any member differs
// from it, with the same words for 1 and 8 extract threads (hashes checked
// on the writer threads), and nothing of it is left to publish but the tmp
// directory the caller removes.
TEST_P(ExtractorVerifies, AMemberThatDiffersFromTheManifest) {
  std::vector<std::string> messages;
  for (unsigned threads : {1u, 8u}) {
    SCOPED_TRACE(::testing::Message() << threads << " extract threads");
    for (Filter filter : {Filter::kNone, Filter::kZstdChecked}) {
      TestDir dir;
      Outcome out = extract(dir.path(), {{"p.tar", packed_bundle(GetParam().members).build(filter)}}, 4096, threads);
      ASSERT_FALSE(out.ok);
      EXPECT_EQ(out.message.find("bundle 'p.tar': "), 0u) << out.message;
      EXPECT_NE(out.message.find(GetParam().expected), std::string::npos) << out.message;
      messages.push_back(out.message);
    }
  }
  for (const auto& m : messages) EXPECT_EQ(m, messages.front());
}

INSTANTIATE_TEST_SUITE_P(
    Damage, ExtractorVerifies,
    ::testing::Values(
        Damaged{"content", with(kPacked, 2, {'f', "lib/b.py", std::string(299999, 'b') + "c"}),
                "entry 'lib/b.py': content differs from the manifest (xxh3 "},
        Damaged{"size", with(kPacked, 1, {'f', "lib/a.py", "alpha!"}),
                "entry 'lib/a.py': 6 bytes, the manifest says 5"},
        Damaged{"file_lost", without(kPacked, 1), "'lib/a.py' is in the manifest but not in the bundle"},
        Damaged{"empty_dir_lost", without(kPacked, 4), "'lib/empty' is in the manifest but not in the bundle"},
        Damaged{"tail_lost", std::vector<Member>(kPacked.begin(), kPacked.begin() + 2),
                "4 members of the manifest are not in the bundle, the first 'lib/b.py'"},
        Damaged{"added", plus(kPacked, {'f', "lib/extra.py", "x"}),
                "entry 'lib/extra.py': in the bundle but not in its manifest"},
        Damaged{"repeated", plus(kPacked, kPacked[1]), "entry 'lib/a.py': appears twice in the bundle"},
        Damaged{"symlink_target", with(kPacked, 3, {'l', "lib/c.py", "b.py"}),
                "entry 'lib/c.py': symlink to 'b.py', the manifest says 'a.py'"},
        Damaged{"file_for_symlink", with(kPacked, 3, {'f', "lib/c.py", "alpha"}),
                "entry 'lib/c.py': a file, the manifest lists a symlink"},
        Damaged{"hard_link", with(kPacked, 5, {'h', "z.txt", "lib/a.py"}),
                "entry 'z.txt': a hard link, the manifest lists a file"},
        // Two differences: the first in the stream is said, however many threads check.
        Damaged{"two_contents",
                with(with(kPacked, 2, {'f', "lib/b.py", std::string(299999, 'b') + "c"}), 5, {'f', "z.txt", "zee"}),
                "entry 'lib/b.py': content differs"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(Extractor, AnIntactPackedBundleAndOneFromBeforeDirectoriesWereListedStage) {
  for (unsigned threads : {1u, 8u}) {
    TestDir dir;
    Outcome out = extract(dir.path(), {{"p.tar", packed_bundle(kPacked).build(Filter::kZstdChecked)}}, 4096, threads);
    ASSERT_TRUE(out.ok) << out.message;
    EXPECT_EQ(testing::read_file(dir / "lib/b.py"), kPacked[2].data);
    EXPECT_TRUE(S_ISDIR(mode_of(dir / "lib/empty")));
    // Older manifests list no directories: theirs are not checked, the rest is.
    Manifest without_dirs = parse_manifest(packed_manifest(kPacked));
    without_dirs.dirs.reset();
    std::string old = manifest_to_json(without_dirs);
    ArchiveBuilder b;
    b.file(".pybcast/manifest.json", old).dir("lib").file("lib/a.py", "alpha").file("lib/b.py", kPacked[2].data);
    b.symlink("lib/c.py", "a.py").dir("extra").file("z.txt", "zed");
    TestDir older;
    out = extract(older.path(), {{"old.tar", b.build()}}, 4096, threads);
    EXPECT_TRUE(out.ok) << out.message;
  }
}

/// `bytes` without its end-of-archive marker (the zero blocks after the last member).
std::vector<std::byte> without_end_marker(std::vector<std::byte> bytes) {
  while (bytes.size() >= 512 &&
         std::all_of(bytes.end() - 512, bytes.end(), [](std::byte b) { return b == std::byte{0}; }))
    bytes.resize(bytes.size() - 512);
  return bytes;
}

std::vector<std::byte> compressed(const std::vector<std::byte>& tar, Filter filter) {
  if (filter == Filter::kNone) return tar;
  archive* a = archive_write_new();
  archive_write_set_format_raw(a);
  if (filter == Filter::kGzip) archive_write_add_filter_gzip(a);
  else archive_write_add_filter_zstd(a);
  std::vector<std::byte> out(tar.size() + 4096);
  size_t used = 0;
  archive_write_open_memory(a, out.data(), out.size(), &used);
  archive_entry* e = archive_entry_new();
  archive_entry_set_filetype(e, AE_IFREG);
  archive_write_header(a, e);
  archive_write_data(a, tar.data(), tar.size());
  archive_entry_free(e);
  archive_write_close(a);
  archive_write_free(a);
  out.resize(used);
  return out;
}

// A bundle cut where a member ends decodes cleanly (at a gzip member's or a
// zstd frame's end too); without the tar end-of-archive marker it is refused.
TEST(Extractor, RefusesATarCutAtAMemberBoundary) {
  auto whole = ArchiveBuilder().dir("d").file("d/one.py", "1").file("d/two.py", "2").build();
  auto cut = without_end_marker(whole);
  ASSERT_LT(cut.size(), whole.size());
  for (Filter filter : {Filter::kNone, Filter::kGzip, Filter::kZstd}) {
    TestDir dir;
    Outcome out = extract_one(dir.path(), compressed(cut, filter), "cut.tar");
    ASSERT_FALSE(out.ok);
    EXPECT_EQ(out.message, "bundle 'cut.tar' ends after 3 entries without the end-of-archive marker: it was cut short");
    TestDir intact;
    EXPECT_TRUE(extract_one(intact.path(), compressed(whole, filter)).ok);
  }
  // One block of zeros is a marker as libarchive and GNU tar take it.
  auto half = cut;
  half.resize(cut.size() + 512, std::byte{0});
  TestDir dir;
  EXPECT_TRUE(extract_one(dir.path(), half).ok);
}

// libarchive skips a header whose checksum fails (ARCHIVE_RETRY) and resyncs
// at the next one; GNU tar says "Skipping to next header" and exits 2. Refused.
TEST(Extractor, RefusesADamagedTarHeaderInsteadOfSkippingIt) {
  auto bytes = ArchiveBuilder().file("one.py", "1").file("two.py", "2").file("three.py", "3").build();
  // pax_restricted writes plain ustar headers for these: one block each, then one block of data.
  ASSERT_EQ(std::memcmp(bytes.data() + 1024, "two.py", 6), 0);
  bytes[1024 + 1] ^= std::byte{0x01};  // a bit of the second member's name
  for (Filter filter : {Filter::kNone, Filter::kGzip, Filter::kZstd}) {
    for (unsigned threads : {1u, 8u}) {
      TestDir dir;
      Outcome out = extract(dir.path(), {{"d.tar", compressed(bytes, filter)}}, 4096, threads);
      ASSERT_FALSE(out.ok);
      EXPECT_EQ(out.message.find("bundle 'd.tar': damaged tar header after 1 entries"), 0u) << out.message;
    }
  }
}

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
// (PYBCAST_GZIP_INFLATER=zlib, passed down as ExtractOptions::gzip_inflater):
// the same checks either way.
class GzipInflaters : public ::testing::TestWithParam<const char*> {
 protected:
  GzipInflater inflater() const {
    return std::string(GetParam()) == "zlib" ? GzipInflater::kZlib : GzipInflater::kIsal;
  }
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
    Outcome out = extract(dir.path(), {{c.name, c.bytes}}, 4096, 1, inflater());
    EXPECT_FALSE(out.ok) << GetParam() << " accepted " << c.name;
    EXPECT_NE(out.message.find("bundle '" + c.name + "'"), std::string::npos) << out.message;
  }
  std::vector<std::byte> both = one;
  both.insert(both.end(), two.begin(), two.end());
  TestDir dir;
  Outcome out = extract(dir.path(), {{"both.tar.gz", both}}, 4096, 1, inflater());  // member boundary inside a chunk
  ASSERT_TRUE(out.ok) << out.message;
  EXPECT_EQ(testing::read_file(dir / "a"), big);
  ASSERT_EQ(out.result.decoders.size(), 1u);
  EXPECT_EQ(out.result.decoders[0], expected_name());
}

TEST_P(GzipInflaters, BytesAfterTheLastMemberThatStartNoMemberAreRefusedAsTrailingData) {
  auto gz = ArchiveBuilder().file("a.txt", "payload").build(Filter::kGzip);
  auto with = [&](std::initializer_list<unsigned> tail, size_t repeat = 1) {
    std::vector<std::byte> bytes = gz;
    for (size_t i = 0; i < repeat; ++i)
      for (unsigned b : tail) bytes.push_back(static_cast<std::byte>(b));
    return bytes;
  };
  struct Case {
    std::string name;
    std::vector<std::byte> bytes;
    size_t chunk;
  } cases[] = {
      {"short.tar.gz", with({'j', 'u', 'n', 'k'}), 4096},  // ISA-L waited for a header that never came
      {"long.tar.gz", with({'x'}, 10000), 4096},
      {"split.tar.gz", with({0x1f, 'x', 'y'}), gz.size() + 1},  // gzip's first magic byte, then not the second
      {"padded.tar.gz", with({0, 0, 0, 'x'}), 4096},
  };
  for (const auto& c : cases) {
    TestDir dir;
    Outcome out = extract(dir.path(), {{c.name, c.bytes}}, c.chunk, 1, inflater());
    EXPECT_FALSE(out.ok) << GetParam() << " accepted " << c.name;
    EXPECT_NE(out.message.find("bundle '" + c.name + "': trailing data after the gzip stream"), std::string::npos)
        << GetParam() << ": " << out.message;
  }
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

// --- Parallel file creation (issue 14): 1 and 8 extract threads give the same tree or the same refusal.

/// Later than every mtime the tests below give their entries.
constexpr time_t kNewestEntryTime = 1750000000;

/// Every entry below `root` as one line: type, mode, mtime, content or target,
/// and which earlier path it shares an inode with; sorted.
std::string snapshot(const std::string& root) {
  std::vector<std::string> paths;
  for (auto it = std::filesystem::recursive_directory_iterator(root);
       it != std::filesystem::recursive_directory_iterator(); ++it)
    paths.push_back(std::filesystem::relative(it->path(), root).string());
  std::sort(paths.begin(), paths.end());
  std::map<ino_t, std::string> first_of_inode;
  std::string out;
  for (const auto& rel : paths) {
    std::string full = root + "/" + rel;
    struct stat st {};
    lstat(full.c_str(), &st);
    std::string line = rel + fmt::format(" mode={:o}", st.st_mode);
    // Directories no entry named keep the time they were made: not comparable.
    bool implicit_dir = S_ISDIR(st.st_mode) && st.st_mtim.tv_sec > kNewestEntryTime;
    if (!S_ISLNK(st.st_mode) && !implicit_dir)
      line += fmt::format(" mtime={}.{}", st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
    if (S_ISREG(st.st_mode)) {
      line += " size=" + std::to_string(st.st_size) +
              " data=" + std::to_string(std::hash<std::string>{}(testing::read_file(full)));
      auto [it, fresh] = first_of_inode.try_emplace(st.st_ino, rel);
      if (!fresh) line += " same-inode-as=" + it->second;
    } else if (S_ISLNK(st.st_mode)) {
      char target[4096];
      ssize_t n = readlink(full.c_str(), target, sizeof target);
      line += " -> " + std::string(target, n > 0 ? static_cast<size_t>(n) : 0);
    }
    out += line + "\n";
  }
  return out;
}

using Bundles = std::vector<std::pair<std::string, std::vector<std::byte>>>;

/// Extracts with 1 and with 8 threads and expects the same outcome; returns the one-thread one.
Outcome expect_same_with_8_threads(const Bundles& bundles) {
  TestDir one, eight;
  Outcome a = extract(one.path(), bundles, 65536, 1);
  Outcome b = extract(eight.path(), bundles, 65536, 8);
  EXPECT_EQ(a.ok, b.ok);
  EXPECT_EQ(a.message, b.message);
  EXPECT_EQ(a.result.stats.files, b.result.stats.files);
  EXPECT_EQ(a.result.stats.bytes, b.result.stats.bytes);
  EXPECT_EQ(a.result.stats.conflicts, b.result.stats.conflicts);
  EXPECT_EQ(a.result.stats.hardlinks, b.result.stats.hardlinks);
  EXPECT_EQ(a.result.stats.bytecode, b.result.stats.bytecode);
  EXPECT_EQ(b.result.stats.perf.writers.size(), 8u);
  // A refused bundle's tree is removed, half-written: the pool drops what is
  // still queued once it failed, so only an extracted tree must be the same.
  if (!a.ok) return a;
  std::string tree_one = snapshot(one.path()), tree_eight = snapshot(eight.path());
  EXPECT_FALSE(tree_one.empty());
  if (tree_one != tree_eight) {  // the first difference, not two listings of thousands of lines
    std::istringstream x(tree_one), y(tree_eight);
    std::string lx, ly;
    while (std::getline(x, lx) && std::getline(y, ly) && lx == ly) {
    }
    ADD_FAILURE() << "trees differ; 1 thread: '" << lx << "', 8 threads: '" << ly << "'";
  }
  return a;
}

std::string data_for(size_t i, size_t size) {
  std::string data(size, '\0');
  for (size_t k = 0; k < size; ++k) data[k] = static_cast<char>((i * 131 + k * 2654435761u) >> 7);
  return data;
}

TEST(ParallelExtract, ManySmallFilesInFewDirectoriesAndSomeLargeOnes) {
  ArchiveBuilder b;
  for (int d = 0; d < 3; ++d) {
    b.dir(fmt::format("d{}", d), 0755, 1600000000 + d);
    for (size_t i = 0; i < 1500; ++i)
      b.file(fmt::format("d{}/__pycache__/f{}.pyc", d, i), data_for(i, (i * 37) % 3000), i % 3 ? 0644 : 0755,
             1600000000 + static_cast<long>(i));
  }
  b.file("big/one", data_for(1, (5u << 20) + 3));  // larger than a queued body: the parser writes it
  b.file("big/two", data_for(2, (4u << 20)));      // exactly the largest queued body
  b.dir("ro", 0555, 1500000000).file("ro/inside", "x", 0444);
  Outcome out = expect_same_with_8_threads({{"many.tar.zst", b.build(Filter::kZstd)}});
  EXPECT_TRUE(out.ok) << out.message;
  EXPECT_EQ(out.result.stats.files, 4503u);
}

TEST(ParallelExtract, DeepTreesWithFilesAtEveryLevel) {
  ArchiveBuilder b;
  std::string path;
  for (int level = 0; level < 300; ++level) {  // deeper than the directory fd cache (256)
    path += fmt::format("l{}/", level % 7);
    b.file(path + "f", data_for(static_cast<size_t>(level), static_cast<size_t>(level) * 11));
    if (level % 50 == 0) b.dir(path.substr(0, path.size() - 1), 0750, 1550000000 + level);
  }
  Outcome out = expect_same_with_8_threads({{"deep.tar.gz", b.build(Filter::kGzip)}});
  EXPECT_TRUE(out.ok) << out.message;
}

TEST(ParallelExtract, FilesReplacedByLaterBundlesWhileTheirBodiesAreQueued) {
  ArchiveBuilder first, second, third;
  for (size_t i = 0; i < 2000; ++i) first.file(fmt::format("p/f{}", i), data_for(i, 2000 + i));
  // The same path twice in one archive: the later member wins there too.
  first.file("p/dup", "first").file("p/dup", "second copy");
  for (size_t i = 0; i < 2000; i += 3) {
    if (i % 2) second.symlink(fmt::format("p/f{}", i), "elsewhere");
    else second.file(fmt::format("p/f{}", i), data_for(i + 7, 100), 0600, 1650000000);
  }
  for (size_t i = 1; i < 2000; i += 9) third.dir(fmt::format("p/f{}", i)).file(fmt::format("p/f{}/x", i), "in a dir");
  Outcome out = expect_same_with_8_threads({{"one.tar.xz", first.build(Filter::kXz)},
                                            {"two.tar.bz2", second.build(Filter::kBzip2)},
                                            {"three.tar", third.build(Filter::kNone)}});
  EXPECT_TRUE(out.ok) << out.message;
  EXPECT_GT(out.result.stats.conflicts, 800u);
}

TEST(ParallelExtract, HardLinksToFilesJustWrittenSeeTheirContents) {
  ArchiveBuilder b;
  for (size_t i = 0; i < 500; ++i) {
    b.file(fmt::format("h/t{}", i), data_for(i, 50000));
    b.hardlink(fmt::format("h/l{}", i), fmt::format("h/t{}", i));
  }
  // A link to a target that a later entry replaces keeps the old inode's contents.
  b.file("h/r", "old").hardlink("h/r-link", "h/r").file("h/r", "new");
  TestDir dir;
  Outcome eight = extract(dir.path(), {{"links.tar", b.build()}}, 65536, 8);
  ASSERT_TRUE(eight.ok) << eight.message;
  EXPECT_EQ(testing::read_file(dir / "h/l499"), data_for(499, 50000));
  EXPECT_EQ(testing::read_file(dir / "h/r-link"), "old");
  EXPECT_EQ(testing::read_file(dir / "h/r"), "new");
  expect_same_with_8_threads({{"links.tar", b.build()}});
}

TEST(ParallelExtract, SymlinkAndDirectorySwapsAcrossBundles) {
  ArchiveBuilder first, second, third;
  first.symlink("s", "t").dir("t").file("t/a", "a").dir("e").symlink("link-then-dir", "t");
  for (int i = 0; i < 300; ++i) first.file(fmt::format("t/n{}", i), data_for(static_cast<size_t>(i), 700));
  second.symlink("e", "t").dir("link-then-dir").file("link-then-dir/f", "through no link");
  third.file("s/escape", "must be refused: s is a symlink");
  Outcome ok = expect_same_with_8_threads(
      {{"1.tar.gz", first.build(Filter::kGzip)}, {"2.tar.zst", second.build(Filter::kZstd)}});
  EXPECT_TRUE(ok.ok) << ok.message;
  Outcome refused = expect_same_with_8_threads(
      {{"1.tar.gz", first.build(Filter::kGzip)}, {"2.tar.zst", second.build(Filter::kZstd)}, {"3.tar", third.build()}});
  EXPECT_FALSE(refused.ok);
  EXPECT_NE(refused.message.find("bundle '3.tar': entry 's/escape': path passes through the symlink 's'"),
            std::string::npos)
      << refused.message;
}

TEST(ParallelExtract, AWriteFailureOnAWriterThreadStopsEverythingAndNamesTheEntry) {
  ArchiveBuilder b;
  for (size_t i = 0; i < 3000; ++i) b.file(fmt::format("d/f{}", i), data_for(i, 1000));
  TestDir dir;
  // Writes past RLIMIT_FSIZE fail (EFBIG) on whichever thread makes them, like ENOSPC would.
  rlimit old{};
  getrlimit(RLIMIT_FSIZE, &old);
  rlimit tiny = old;
  tiny.rlim_cur = 500;
  signal(SIGXFSZ, SIG_IGN);
  setrlimit(RLIMIT_FSIZE, &tiny);
  Outcome out = extract(dir.path(), {{"full.tar", b.build()}}, 65536, 8);
  setrlimit(RLIMIT_FSIZE, &old);
  signal(SIGXFSZ, SIG_DFL);
  ASSERT_FALSE(out.ok);
  EXPECT_NE(out.message.find("bundle 'full.tar': entry 'd/f"), std::string::npos) << out.message;
  EXPECT_NE(out.message.find("write failed"), std::string::npos) << out.message;
}

/// A tar stream cut into independent zstd frames that state their size, as
/// pack writes them (there 4 MiB each; here small, so there are many).
std::vector<std::byte> in_zstd_frames(const std::vector<std::byte>& tar, size_t frame_bytes) {
  std::vector<std::byte> out;
  for (size_t at = 0; at < tar.size(); at += frame_bytes) {
    size_t n = std::min(frame_bytes, tar.size() - at);
    std::vector<std::byte> frame(ZSTD_compressBound(n));
    ZSTD_CCtx* c = ZSTD_createCCtx();
    ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 1);
    size_t z = ZSTD_compress2(c, frame.data(), frame.size(), tar.data() + at, n);
    ZSTD_freeCCtx(c);
    EXPECT_FALSE(ZSTD_isError(z));
    out.insert(out.end(), frame.begin(), frame.begin() + static_cast<ptrdiff_t>(z));
  }
  return out;
}

// Issue 14: with more than one thread, zstd frames decode on a pool; the
// tree and every refusal are those of one streaming decoder.
TEST(ParallelExtract, ZstdFramesDecodeOnThePoolInStreamOrder) {
  ArchiveBuilder first, second;
  for (size_t i = 0; i < 800; ++i)
    first.file(fmt::format("pkg/m{}/f{}.py", i % 17, i), data_for(i, (i * 53) % 9000), 0644,
               1600000000 + static_cast<long>(i));
  first.file("pkg/big.so", data_for(7, 3u << 20));
  for (size_t i = 0; i < 500; i += 3) second.file(fmt::format("pkg/m{}/f{}.py", i % 17, i), "replaced");
  std::vector<std::byte> one = in_zstd_frames(first.build(), 64 << 10), two = in_zstd_frames(second.build(), 7001);
  Outcome out = expect_same_with_8_threads({{"1.tar.zst", one}, {"2.tar.zst", two}});
  ASSERT_TRUE(out.ok) << out.message;
  TestDir dir;
  Outcome eight = extract(dir.path(), {{"1.tar.zst", one}, {"2.tar.zst", two}}, 65536, 8);
  ASSERT_EQ(eight.result.decoders.size(), 2u);
  EXPECT_EQ(eight.result.decoders[0].rfind("zstd, ", 0), 0u) << eight.result.decoders[0];
  EXPECT_NE(eight.result.decoders[0].find(" frames on 8 threads"), std::string::npos);
  EXPECT_EQ(out.result.decoders[0], "zstd");  // one thread: one streaming decoder
  EXPECT_EQ(testing::read_file(dir / "pkg/m0/f0.py"), "replaced");
  EXPECT_GT(eight.result.stats.perf.frame_buffer_bytes, 0u);

  // A corrupt frame in the middle, and a cut one at the end: the same
  // refusal, naming the bundle. (Not the same counts: one streaming decoder
  // hands on a cut frame's first bytes, the pool none.)
  std::vector<std::byte> broken = one;
  broken[broken.size() / 2] ^= std::byte{0x5a};
  std::vector<std::byte> cut(one.begin(), one.end() - 5);
  for (const auto& bad : {broken, cut}) {
    TestDir a, b;
    Outcome streamed = extract(a.path(), {{"1.tar.zst", bad}, {"2.tar.zst", two}}, 65536, 1);
    Outcome pooled = extract(b.path(), {{"1.tar.zst", bad}, {"2.tar.zst", two}}, 65536, 8);
    EXPECT_FALSE(pooled.ok);
    EXPECT_EQ(pooled.message, streamed.message);
    EXPECT_EQ(pooled.message.rfind("bundle '1.tar.zst': ", 0), 0u) << pooled.message;
  }
}

/// gzip of `data`, its CRC32 trailer flipped: a decoder refuses it only at its end.
std::vector<std::byte> gzip_with_bad_crc(const std::string& data) {
  z_stream z{};
  deflateInit2(&z, 1, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
  std::vector<std::byte> out(deflateBound(&z, data.size()) + 64);
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(out.size() - z.avail_out);
  deflateEnd(&z);
  out[out.size() - 8] ^= std::byte{0xff};
  return out;
}

// The parser chokes on the first block (not a tar), the decoder only at the
// end (the CRC): the decoder's verdict is the one reported, however the two
// threads are timed, with 1 or 8 threads.
TEST(Extractor, TheDecodersRefusalWinsOverWhatTheParserChokedOn) {
  std::string noise = data_for(5, 6u << 20);
  for (unsigned threads : {1u, 8u}) {
    for (int round = 0; round < 3; ++round) {
      TestDir dir;
      Outcome out = extract(dir.path(), {{"noise.tar.gz", gzip_with_bad_crc(noise)}}, 65536, threads);
      EXPECT_FALSE(out.ok);
      EXPECT_EQ(out.message.rfind("bundle 'noise.tar.gz': corrupt gzip data", 0), 0u)
          << threads << " threads: " << out.message;
    }
  }
}

}  // namespace
}  // namespace pybcast
