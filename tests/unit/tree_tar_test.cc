#include "tree/tree_tar.h"

#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <utime.h>

#include <cstdio>
#include <cstdlib>
#include <map>

#include "test_dir.h"
#include "tree/file_set.h"
#include "util/error.h"

namespace pybcast {
namespace {

using testing::TestDir;

void write(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
}

/// The whole stream, read in pieces of `piece` bytes.
std::string read_all(TreeTar& tar, size_t piece) {
  std::string bytes(tar.size(), '\0');
  for (uint64_t at = 0; at < tar.size(); at += piece) {
    size_t n = std::min<uint64_t>(piece, tar.size() - at);
    tar.read(at, std::as_writable_bytes(std::span(bytes.data() + at, n)));
  }
  return bytes;
}

struct ParsedMember {
  std::string body, link;
  int64_t mtime;
  mode_t type;
};

std::map<std::string, ParsedMember> parse(const std::string& bytes) {
  std::unique_ptr<archive, int (*)(archive*)> a(archive_read_new(), archive_read_free);
  archive_read_support_format_tar(a.get());
  EXPECT_EQ(archive_read_open_memory(a.get(), bytes.data(), bytes.size()), ARCHIVE_OK);
  std::map<std::string, ParsedMember> out;
  archive_entry* e = nullptr;
  while (archive_read_next_header(a.get(), &e) == ARCHIVE_OK) {
    ParsedMember m{"", archive_entry_symlink(e) ? archive_entry_symlink(e) : "", archive_entry_mtime(e),
                   archive_entry_filetype(e)};
    m.body.resize(static_cast<size_t>(archive_entry_size(e)));
    if (!m.body.empty()) archive_read_data(a.get(), m.body.data(), m.body.size());
    std::string name = archive_entry_pathname(e);
    if (name.ends_with('/')) name.pop_back();
    out[name] = m;
  }
  EXPECT_EQ(archive_errno(a.get()), 0) << archive_error_string(a.get());
  return out;
}

TEST(TreeTar, ExactSizeAndTheTreeAsTarReadsIt) {
  TestDir dir;
  mkdir((dir / "t").c_str(), 0755);
  mkdir((dir / "t/pkg").c_str(), 0755);
  write(dir / "t/pkg/mod.py", "x = 1\n");
  write(dir / "t/empty", "");
  std::string long_name = "t/pkg/" + std::string(150, 'n') + ".py";  // needs a pax header
  write(dir / long_name, std::string(70000, 'b'));
  symlink("mod.py", (dir / "t/pkg/link").c_str());
  struct utimbuf when {
    1600000000, 1600000000
  };
  utime((dir / "t/pkg/mod.py").c_str(), &when);
  FileSet files;
  files.add(dir / "t", "");
  TreeTar tar("{\"m\": 1}", files.entries());
  for (size_t piece : {size_t{1000}, size_t{4096}, size_t{1} << 20}) {
    TreeTar again("{\"m\": 1}", files.entries());
    std::string bytes = read_all(again, piece);
    EXPECT_EQ(bytes.size() % 512, 0u);
    auto members = parse(bytes);
    EXPECT_EQ(members.at(".pybcast/manifest.json").body, "{\"m\": 1}");
    EXPECT_EQ(members.at("pkg/mod.py").body, "x = 1\n");
    EXPECT_EQ(members.at("pkg/mod.py").mtime, 1600000000);  // the tree's bytecode stays valid
    EXPECT_EQ(members.at(long_name.substr(2)).body, std::string(70000, 'b'));
    EXPECT_EQ(members.at("pkg/link").link, "mod.py");
    EXPECT_EQ(members.at("empty").body, "");
    EXPECT_EQ(members.at("pkg").type, AE_IFDIR);
    EXPECT_EQ(again.files_opened(), 2u);  // the empty file is never opened
  }
}

TEST(TreeTar, AFileChangedSinceTheWalkIsRefusedByName) {
  TestDir dir;
  mkdir((dir / "t").c_str(), 0755);
  write(dir / "t/a.py", "a = 1\n");
  write(dir / "t/b.py", "b = 2\n");
  FileSet files;
  files.add(dir / "t", "");
  TreeTar tar("{}", files.entries());
  write(dir / "t/b.py", "b = 22\n");  // a different size
  try {
    read_all(tar, 512);
    FAIL() << "expected the changed file to be refused";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("b.py changed while being staged"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("stage again once it is stable"), std::string::npos) << e.what();
  }
}

// Issue 24: a file that became a FIFO after the walk must not block rank 0 in
// open(2) (no writer ever comes). Run in a child that SIGALRM ends after 5 s.
TEST(TreeTarDeathTest, AFileReplacedByAFifoSinceTheWalkIsRefusedWithoutBlocking) {
  TestDir dir;
  mkdir((dir / "t").c_str(), 0755);
  write(dir / "t/a.py", "a = 1\n");
  FileSet files;
  files.add(dir / "t", "");
  TreeTar tar("{}", files.entries());
  unlink((dir / "t/a.py").c_str());
  ASSERT_EQ(mkfifo((dir / "t/a.py").c_str(), 0644), 0);
  EXPECT_EXIT(
      {
        alarm(5);
        try {
          read_all(tar, 512);
        } catch (const Error& e) {
          fprintf(stderr, "%s\n", e.what());
          std::_Exit(1);
        }
        std::_Exit(0);
      },
      ::testing::ExitedWithCode(1), "a.py changed while being staged \\(now a FIFO");
}

TEST(TreeTar, ReadsMustFollowEachOther) {
  TestDir dir;
  mkdir((dir / "t").c_str(), 0755);
  write(dir / "t/a", "a");
  FileSet files;
  files.add(dir / "t", "");
  TreeTar tar("{}", files.entries());
  std::string buffer(512, '\0');
  EXPECT_THROW(tar.read(512, std::as_writable_bytes(std::span(buffer))), Error);
  // A later round streams it again from the start: the same bytes.
  std::string first = read_all(tar, 700);
  EXPECT_EQ(read_all(tar, 512), first);
}

}  // namespace
}  // namespace pybcast
