#include "bundle/manifest_check.h"

#include <gtest/gtest.h>

#include "util/error.h"

namespace pybcast {
namespace {

Manifest two_files() {
  Manifest m;
  m.entries = {{"a", 3, "00000000000000ff", ""}, {"b", 0, "2d06800538d394c2", ""}, {"l", 0, "", "a"}};
  m.files = 3;
  m.unpacked_bytes = 3;
  m.dirs = std::vector<std::string>{"d"};
  return m;
}

std::string refusal(const Manifest& m) {
  try {
    ManifestCheck check(m);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(ManifestCheck, AManifestThatContradictsItselfIsRefused) {
  EXPECT_EQ(refusal(two_files()), "");
  Manifest twice = two_files();
  twice.dirs->push_back("a");
  EXPECT_EQ(refusal(twice), "manifest: 'a' is listed twice");
  Manifest hash = two_files();
  hash.entries[0].xxh3 = "xyz";
  EXPECT_EQ(refusal(hash), "manifest: 'a' has the hash 'xyz', not 16 hex digits");
  Manifest count = two_files();
  count.files = 4;
  EXPECT_EQ(refusal(count), "manifest: says 4 files but lists 3");
  Manifest bytes = two_files();
  bytes.unpacked_bytes = 2;
  EXPECT_EQ(refusal(bytes), "manifest: says 2 bytes but its entries add up to 3");
}

TEST(ManifestCheck, EachMemberOnceWithItsTypeSizeAndTarget) {
  ManifestCheck check(two_files());
  std::optional<uint64_t> xxh3;
  EXPECT_EQ(check.member("a", MemberType::file, 3, "", &xxh3), std::nullopt);
  EXPECT_EQ(xxh3, 0xffu);
  EXPECT_EQ(check.member("a", MemberType::file, 3, ""), "appears twice in the bundle");
  EXPECT_EQ(check.member("l", MemberType::symlink, 0, "b"), "symlink to 'b', the manifest says 'a'");
  EXPECT_EQ(check.member("x", MemberType::file, 1, ""), "in the bundle but not in its manifest");
  EXPECT_EQ(check.member("d", MemberType::file, 1, ""), "a file, the manifest lists a directory");
  EXPECT_EQ(check.missing(), std::vector<std::string>{"b"});
  EXPECT_EQ(check.missing_summary(), "'b' is in the manifest but not in the bundle");
  EXPECT_EQ(ManifestCheck::content(3, 0xfe, 3, 0xff),
            "content differs from the manifest (xxh3 00000000000000fe, expected 00000000000000ff)");
  EXPECT_EQ(ManifestCheck::content(3, 0xfe, 3, std::nullopt), std::nullopt);  // sizes only (a live tree)
}

// A staged entry (stage/entry_check) is compared entry by entry, in the same words.
TEST(ManifestCheck, OneEntryIsComparedInTheSameWords) {
  Manifest m = two_files();
  EXPECT_EQ(compare_member(ExpectedMember::of(m.entries[0]), MemberType::file, 3, ""), std::nullopt);
  EXPECT_EQ(compare_member(ExpectedMember::of(m.entries[0]), MemberType::file, 4, ""), "4 bytes, the manifest says 3");
  EXPECT_EQ(compare_member(ExpectedMember::of(m.entries[0]), MemberType::directory, 0, ""),
            "a directory, the manifest lists a file");
  EXPECT_EQ(compare_member(ExpectedMember::of(m.entries[2]), MemberType::symlink, 0, "b"),
            "symlink to 'b', the manifest says 'a'");
  EXPECT_EQ(ExpectedMember::of(m.entries[0]).xxh3, 0xffu);
  m.entries[0].xxh3 = "xyz";
  EXPECT_THROW(ExpectedMember::of(m.entries[0]), Error);
}

TEST(ManifestCheck, DirectoriesAreCheckedOnlyWhereTheManifestListsThem) {
  Manifest old = two_files();
  old.dirs.reset();
  ManifestCheck check(old);
  EXPECT_FALSE(check.checks_directories());
  EXPECT_EQ(check.member("anything", MemberType::directory, 0, ""), std::nullopt);
  EXPECT_EQ(check.missing().size(), 3u);
  EXPECT_EQ(check.missing_summary(), "3 members of the manifest are not in the bundle, the first 'a'");
}

}  // namespace
}  // namespace pybcast
