// pack() of a plain directory (no python needed), read back with libarchive.
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utime.h>

#include <cstdlib>
#include <fstream>
#include <functional>

#include <gtest/gtest.h>

#include "bundle/manifest.h"
#include "pack/bundle_reader.h"
#include "pack/packer.h"
#include "test_dir.h"
#include "util/error.h"

namespace pybcast {
namespace {

using testing::read_file;
using testing::TestDir;

struct Member {
  std::string name;
  int type;
  int mode;
  int64_t mtime, uid, gid;
  std::string uname, gname, data, link;
};

std::vector<Member> read_members(const std::string& bundle) {
  std::unique_ptr<archive, int (*)(archive*)> a(archive_read_new(), archive_read_free);
  archive_read_support_filter_all(a.get());
  archive_read_support_format_tar(a.get());
  EXPECT_EQ(archive_read_open_filename(a.get(), bundle.c_str(), 65536), ARCHIVE_OK);
  std::vector<Member> out;
  archive_entry* e = nullptr;
  while (archive_read_next_header(a.get(), &e) == ARCHIVE_OK) {
    Member m{archive_entry_pathname(e),
             static_cast<int>(archive_entry_filetype(e)),
             static_cast<int>(archive_entry_perm(e)),
             archive_entry_mtime(e),
             archive_entry_uid(e),
             archive_entry_gid(e),
             archive_entry_uname(e) ? archive_entry_uname(e) : "",
             archive_entry_gname(e) ? archive_entry_gname(e) : "",
             "",
             archive_entry_symlink(e) ? archive_entry_symlink(e) : ""};
    char buffer[4096];
    la_ssize_t n;
    while ((n = archive_read_data(a.get(), buffer, sizeof buffer)) > 0) m.data.append(buffer, static_cast<size_t>(n));
    out.push_back(m);
  }
  return out;
}

/// Writes `members` as a plain tar, with `edit` applied to each first.
void rewrite(const std::string& bundle, const std::string& out, const std::function<bool(Member&)>& edit) {
  std::unique_ptr<archive, int (*)(archive*)> a(archive_write_new(), archive_write_free);
  archive_write_set_format_pax_restricted(a.get());
  ASSERT_EQ(archive_write_open_filename(a.get(), out.c_str()), ARCHIVE_OK);
  for (Member m : read_members(bundle)) {
    if (!edit(m)) continue;
    std::unique_ptr<archive_entry, void (*)(archive_entry*)> e(archive_entry_new(), archive_entry_free);
    archive_entry_set_pathname(e.get(), m.name.c_str());
    archive_entry_set_filetype(e.get(), static_cast<unsigned>(m.type));
    archive_entry_set_perm(e.get(), static_cast<mode_t>(m.mode));
    if (m.type == AE_IFLNK) archive_entry_set_symlink(e.get(), m.link.c_str());
    if (m.type == AE_IFREG) archive_entry_set_size(e.get(), static_cast<la_int64_t>(m.data.size()));
    archive_write_header(a.get(), e.get());
    if (m.type == AE_IFREG) archive_write_data(a.get(), m.data.data(), m.data.size());
  }
}

class PackBundle : public ::testing::Test {
 protected:
  void SetUp() override {
    ::unsetenv("SOURCE_DATE_EPOCH");
    prefix_ = dir_ / "prefix";
    ::mkdir(prefix_.c_str(), 0755);
    for (const char* d : {"bin", "lib", "lib/pkg", "lib/pkg/__pycache__", "lib/pkg/empty"})
      ::mkdir((prefix_ + "/" + d).c_str(), 0700);  // odd modes are normalised
    write("bin/tool", "#!/bin/sh\necho hi\n", 0700);
    write("lib/pkg/__init__.py", "VALUE = 1\n", 0600);
    write("lib/pkg/data.txt", std::string(100000, 'x'), 0664);
    write("lib/pkg/logo.png", "png", 0644);
    write("lib/pkg/__pycache__/__init__.cpython-311.pyc", "pyc", 0644);
    ::symlink("data.txt", (prefix_ + "/lib/pkg/link.txt").c_str());
  }

  void write(const std::string& name, const std::string& text, mode_t mode) {
    std::ofstream(prefix_ + "/" + name) << text;
    ::chmod((prefix_ + "/" + name).c_str(), mode);
  }

  PackOptions options(const std::string& output) {
    PackOptions o;
    o.kind = PackKind::dir;
    o.targets = {prefix_};
    o.output = output;
    o.threads = 2;
    return o;
  }

  std::vector<std::string> files_in(const std::string& dir) {
    std::vector<std::string> names;
    std::unique_ptr<DIR, int (*)(DIR*)> d(::opendir(dir.c_str()), ::closedir);
    while (dirent* e = ::readdir(d.get()))
      if (std::string(e->d_name) != "." && std::string(e->d_name) != "..") names.push_back(e->d_name);
    return names;
  }

  TestDir dir_;
  std::string prefix_;
};

TEST_F(PackBundle, ManifestFirstThenSortedMembersWithFixedOwnersAndTimes) {
  std::string out = dir_ / "b.tar.zst";
  PackResult r = pack(options(out));
  EXPECT_EQ(r.files, 4u);  // tool, __init__.py, data.txt, link.txt
  EXPECT_EQ(r.unpacked, 18u + 10u + 100000u);

  std::vector<Member> members = read_members(out);
  ASSERT_FALSE(members.empty());
  EXPECT_EQ(members[0].name, ".pybcast/manifest.json");
  std::vector<std::string> names;
  for (const auto& m : members) {
    names.push_back(m.name);
    EXPECT_EQ(m.mtime, 0) << m.name;
    EXPECT_EQ(m.uid, 0) << m.name;
    EXPECT_EQ(m.gid, 0) << m.name;
    EXPECT_EQ(m.uname, "") << m.name;
    EXPECT_EQ(m.gname, "") << m.name;
  }
  EXPECT_EQ(names, (std::vector<std::string>{".pybcast/manifest.json", "bin/", "bin/tool", "lib/", "lib/pkg/",
                                             "lib/pkg/__init__.py", "lib/pkg/__pycache__/", "lib/pkg/data.txt",
                                             "lib/pkg/empty/", "lib/pkg/link.txt"}));
  EXPECT_EQ(members[2].mode, 0755);
  EXPECT_EQ(members[5].mode, 0644);
  EXPECT_EQ(members[4].mode, 0755);
  EXPECT_EQ(members[9].link, "data.txt");

  Manifest m = parse_manifest(members[0].data);
  EXPECT_EQ(m.name, "b");
  EXPECT_EQ(m.kind, "dir");
  EXPECT_EQ(m.files, 4u);
  ASSERT_EQ(m.entries.size(), 4u);
  EXPECT_EQ(m.entries[0].path, "bin/tool");
  EXPECT_EQ(m.entries[0].xxh3.size(), 16u);
  EXPECT_EQ(m.entries[3].path, "lib/pkg/link.txt");
  EXPECT_EQ(m.entries[3].link, "data.txt");
}

TEST_F(PackBundle, SameInputSameBytesWhateverTheThreadsAndFormat) {
  for (const char* suffix : {".tar.zst", ".tar.gz", ".tar"}) {
    ::mkdir((dir_ / "one").c_str(), 0755);
    ::mkdir((dir_ / "two").c_str(), 0755);
    PackOptions a = options(dir_ / "one/b" + suffix), b = options(dir_ / "two/b" + suffix);
    a.threads = 1;
    b.threads = 3;
    pack(a);
    ::utime((prefix_ + "/lib/pkg/data.txt").c_str(), nullptr);  // a new mtime changes nothing
    pack(b);
    EXPECT_EQ(read_file(a.output), read_file(b.output)) << suffix;
  }
}

TEST_F(PackBundle, SourceDateEpochSetsTheMemberTimes) {
  ::setenv("SOURCE_DATE_EPOCH", "1700000000", 1);
  pack(options(dir_ / "b.tar"));
  ::unsetenv("SOURCE_DATE_EPOCH");
  for (const auto& m : read_members(dir_ / "b.tar")) EXPECT_EQ(m.mtime, 1700000000) << m.name;
}

TEST_F(PackBundle, VerifyFindsModifiedMissingAndExtraMembers) {
  std::string good = dir_ / "b.tar.gz";
  pack(options(good));
  EXPECT_TRUE(verify_bundle(good).problems.empty());
  EXPECT_EQ(verify_bundle(good).checked, 4u);

  std::string bad = dir_ / "bad.tar";
  rewrite(good, bad, [](Member& m) {
    if (m.name == "lib/pkg/__init__.py") m.data = "VALUE = 2\n";
    if (m.name == "lib/pkg/link.txt") m.link = "/etc/passwd";
    return m.name != "bin/tool";
  });
  auto problems = verify_bundle(bad).problems;
  ASSERT_EQ(problems.size(), 3u);
  EXPECT_NE(problems[0].find("lib/pkg/__init__.py: content differs"), std::string::npos) << problems[0];
  EXPECT_NE(problems[1].find("lib/pkg/link.txt: symlink to '/etc/passwd'"), std::string::npos) << problems[1];
  EXPECT_NE(problems[2].find("bin/tool: in the manifest but not in the bundle"), std::string::npos) << problems[2];

  rewrite(good, bad, [](Member& m) { return m.name != ".pybcast/manifest.json"; });
  EXPECT_THROW(verify_bundle(bad), Error);
}

TEST_F(PackBundle, FailureLeavesNoOutputBehind) {
  ::symlink("loop", (prefix_ + "/lib/loop").c_str());
  ::mkdir((dir_ / "out").c_str(), 0755);
  try {
    pack(options(dir_ / "out/b.tar.zst"));
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("symlink loop"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(files_in(dir_ / "out").empty());
  EXPECT_THROW(pack(options(dir_ / "missing/b.tar.zst")), Error);
}

TEST_F(PackBundle, OutputInsideThePrefixDoesNotPackItself) {
  std::string out = prefix_ + "/lib/b.tar.zst";
  std::ofstream(out) << "an older bundle";
  pack(options(out));
  pack(options(out));
  for (const auto& m : read_members(out)) EXPECT_EQ(m.name.find(".tar.zst"), std::string::npos) << m.name;
  EXPECT_TRUE(verify_bundle(out).problems.empty());
}

TEST(PackNames, CompressionAndNameFollowTheOutput) {
  EXPECT_EQ(compression_for_name("x/numpy.tar.zst"), Compression::kZstd);
  EXPECT_EQ(compression_for_name("numpy.tgz"), Compression::kGzip);
  EXPECT_EQ(compression_for_name("numpy.tar"), Compression::kNone);
  EXPECT_EQ(compression_for_name("numpy.bundle"), std::nullopt);
  EXPECT_EQ(bundle_name_for("/a/b/python-3.11.tar.zst"), "python-3.11");
  EXPECT_EQ(bundle_name_for("numpy.bundle"), "numpy.bundle");
}

}  // namespace
}  // namespace pybcast
