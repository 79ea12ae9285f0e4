#include "stage/entry_check.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "bundle/manifest.h"
#include "bundle/metadata_layout.h"
#include "test_dir.h"
#include "util/hash.h"
#include "util/io.h"

namespace pybcast {
namespace {

using testing::TestDir;

std::string xxh3_of(const std::string& text) { return hex64(hash64(std::as_bytes(std::span(text)))); }

void put(const std::string& path, const std::string& text) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path) << text;
}

/// An entry staged from one bundle "b.tar.zst" with its manifest.
void stage_entry(const TestDir& dir) {
  Manifest m;
  m.name = "b";
  m.kind = "dir";
  m.entries = {{"a.py", 2, xxh3_of("a\n"), ""},
               {"d.py", 2, xxh3_of("d\n"), ""},
               {"e.py", 2, xxh3_of("e\n"), ""},
               {"f.py", 2, xxh3_of("f\n"), ""},
               {"l", 0, "", "a.py"},
               {"lib/b.py", 2, xxh3_of("b\n"), ""},
               {"s", 0, "", "a.py"}};
  m.files = m.entries.size();
  m.unpacked_bytes = 10;
  put(staged_manifest_path(dir.path(), "b.tar.zst"), manifest_to_json(m));
  for (const char* name : {"a", "d", "e", "f"}) put(dir / (std::string(name) + ".py"), std::string(name) + "\n");
  put(dir / "lib/b.py", "b\n");
  ::symlink("a.py", (dir / "l").c_str());
  ::symlink("a.py", (dir / "s").c_str());
}

TEST(EntryCheck, AnIntactEntryHasNoProblems) {
  TestDir dir;
  stage_entry(dir);
  io::Fd entry = io::open(dir.path(), O_RDONLY | O_DIRECTORY);
  ContentCheck check = check_entry_content(entry.get(), {"b.tar.zst"});
  EXPECT_EQ(check.files, 7u);
  EXPECT_EQ(check.problem_count, 0u) << check.problems.front();
}

// Differences are worded as staging and `inspect --verify` word them
// (bundle/manifest_check), and a FIFO in a file's place is named, not opened.
TEST(EntryCheck, DifferencesAreWordedAsTheManifestCheckDoes) {
  TestDir dir;
  stage_entry(dir);
  put(dir / "a.py", "A\n");
  std::filesystem::remove(dir / "d.py");
  std::filesystem::create_directory(dir / "d.py");
  put(dir / "e.py", "eee\n");
  std::filesystem::remove(dir / "f.py");
  ::mkfifo((dir / "f.py").c_str(), 0644);
  std::filesystem::remove(dir / "l");
  ::symlink("lib/b.py", (dir / "l").c_str());
  std::filesystem::remove(dir / "lib/b.py");
  std::filesystem::remove(dir / "s");
  put(dir / "s", "");
  io::Fd entry = io::open(dir.path(), O_RDONLY | O_DIRECTORY);
  ContentCheck check = check_entry_content(entry.get(), {"b.tar.zst"});
  EXPECT_EQ(check.problem_count, 7u);
  std::vector<std::string> expected = {
      "a.py: content differs from the manifest (xxh3 " + xxh3_of("A\n") + ", expected " + xxh3_of("a\n") + ")",
      "d.py: a directory, the manifest lists a file",
      "e.py: 4 bytes, the manifest says 2",
      "f.py: a special file, the manifest lists a file",
      "l: symlink to 'lib/b.py', the manifest says 'a.py'",
      "lib/b.py: missing (No such file or directory)",
      "s: a file, the manifest lists a symlink"};
  EXPECT_EQ(check.problems, expected);
}

}  // namespace
}  // namespace pybcast
