#include "tree/link_rules.h"

#include <map>
#include <set>

#include <gtest/gtest.h>

namespace pybcast {
namespace {

TEST(LinkRules, SystemPathsAreTheOsLibraryDirectoriesAndEtc) {
  for (const char* p : {"/usr/lib/x86_64-linux-gnu/libz.so.1", "/lib/x86_64-linux-gnu", "/lib64/ld-linux-x86-64.so.2",
                        "/usr/lib64", "/etc/python3/sitecustomize.py", "/usr/lib"})
    EXPECT_TRUE(is_system_path(p)) << p;
  for (const char* p : {"/usr/local/lib/libz.so", "/usr/libexec/x", "/opt/lib", "/home/u/lib", "/etcetera", "/"})
    EXPECT_FALSE(is_system_path(p)) << p;
}

TEST(LinkRules, RelativeMemberPaths) {
  EXPECT_EQ(relative_member("lib/python3.12/lib-dynload", "lib"), "../..");
  EXPECT_EQ(relative_member("a/b", "a/c/d"), "../c/d");
  EXPECT_EQ(relative_member("a", "a"), ".");
  EXPECT_EQ(relative_member("", "lib"), "lib");
  EXPECT_EQ(relative_member("bin", ""), "..");
}

struct Tree {
  std::set<std::string> members{"bin", "bin/python3.12", "lib", "lib/libfix.so", "pkg", "pkg/mod.py"};
  std::map<std::string, std::string> sources{{"/p/bin/python3.12", "bin/python3.12"},
                                             {"/p/lib/libfix.so", "lib/libfix.so"}};

  LinkDecision classify(const SymlinkFacts& f) const {
    return classify_symlink(
        f, [&](const std::string& m) { return members.contains(m); },
        [&](const std::string& p) -> std::optional<std::string> {
          auto it = sources.find(p);
          return it == sources.end() ? std::nullopt : std::optional(it->second);
        });
  }
};

TEST(LinkRules, ARelativeSymlinkInsideThePackedSetIsKept) {
  LinkDecision d = Tree().classify({"bin/python3", "python3.12", "/p/bin/python3.12", true});
  EXPECT_EQ(d.kind, LinkKind::inside);
  EXPECT_EQ(d.link, "python3.12");
}

TEST(LinkRules, AnAbsoluteSymlinkIntoThePackedSetBecomesRelative) {
  LinkDecision d = Tree().classify({"pkg/libfix.so", "/p/lib/libfix.so", "/p/lib/libfix.so", true});
  EXPECT_EQ(d.kind, LinkKind::inside);
  EXPECT_EQ(d.link, "../lib/libfix.so");
}

TEST(LinkRules, ASymlinkIntoASystemDirectoryBecomesAbsolute) {
  LinkDecision d = Tree().classify({"pkg/libc10.so", "../../../../x86_64-linux-gnu/libc10.so.1.13",
                                    "/usr/lib/x86_64-linux-gnu/libc10.so.1.13", true});
  EXPECT_EQ(d.kind, LinkKind::system);
  EXPECT_EQ(d.link, "/usr/lib/x86_64-linux-gnu/libc10.so.1.13");
}

TEST(LinkRules, ASymlinkElsewhereIsReplacedByItsTarget) {
  LinkDecision d = Tree().classify({"pkg/data.txt", "/shared/data.txt", "/shared/data.txt", true});
  EXPECT_EQ(d.kind, LinkKind::replace);
  EXPECT_EQ(d.link, "/shared/data.txt");
}

TEST(LinkRules, ADanglingSymlinkIsKept) {
  LinkDecision d = Tree().classify({"pkg/gone", "nowhere", "/p/pkg/nowhere", false});
  EXPECT_EQ(d.kind, LinkKind::dangling);
  EXPECT_EQ(d.link, "nowhere");
  // A symlink pack made itself has no place on disk: it is pack's to get right.
  EXPECT_EQ(Tree().classify({"bin/python", "python3", "", true}).kind, LinkKind::inside);
}

SearchPathRewrite rewrite(const std::string& text, const std::string& member, std::vector<std::string> prefixes,
                          std::set<std::string> members = {}) {
  return rewrite_search_path(text, member, prefixes, [&](const std::string& m) { return members.contains(m); });
}

TEST(LinkRules, RunpathInsideThePrefixBecomesOriginRelative) {
  auto r =
      rewrite("/home/user/.pyenv/versions/3.12.1/lib",
              "lib/python3.12/lib-dynload/_ssl.cpython-312-x86_64-linux-gnu.so", {"/home/user/.pyenv/versions/3.12.1"});
  EXPECT_TRUE(r.changed);
  EXPECT_EQ(r.entries, (std::vector<std::string>{"$ORIGIN/../.."}));
  EXPECT_TRUE(r.outside.empty());
  // Any spelling of the prefix (its real path), the file's own directory, the prefix itself.
  r = rewrite("/real/p/lib/./x/../:/link/p/lib:/link/p", "lib/libfix.so", {"/link/p", "/real/p"});
  EXPECT_EQ(r.entries, (std::vector<std::string>{"$ORIGIN", "$ORIGIN", "$ORIGIN/.."}));
}

TEST(LinkRules, RunpathEmptyAndRelativeEntriesAreDropped) {
  auto r = rewrite("/p/lib::build/lib:", "lib/x.so", {"/p"});
  EXPECT_TRUE(r.changed);
  EXPECT_EQ(r.entries, (std::vector<std::string>{"$ORIGIN"}));
  EXPECT_TRUE(rewrite("", "lib/x.so", {"/p"}).entries.empty());
}

TEST(LinkRules, RunpathOriginSystemAndOtherEntriesAreKept) {
  auto r = rewrite("$ORIGIN/../lib:${ORIGIN}:/usr/lib/x86_64-linux-gnu/openmpi/lib:/sw/foo/lib", "lib/x.so", {"/p"});
  EXPECT_FALSE(r.changed);
  EXPECT_EQ(r.entries.size(), 4u);
  EXPECT_EQ(r.outside, (std::vector<std::string>{"/sw/foo/lib"}));
}

TEST(LinkRules, RunpathIntoASystemDirectoryOfAUsrPrefixIsKeptUnlessPacked) {
  const std::string member = "lib/python3/dist-packages/mpi4py/MPI.so";
  auto r = rewrite("/usr/lib/x86_64-linux-gnu/openmpi/lib", member, {"/usr"});
  EXPECT_FALSE(r.changed);
  EXPECT_TRUE(r.outside.empty());
  r = rewrite("/usr/lib/python3/dist-packages/mpi4py/.libs", member, {"/usr"},
              {"lib/python3/dist-packages/mpi4py/.libs"});
  EXPECT_EQ(r.entries, (std::vector<std::string>{"$ORIGIN/.libs"}));
}

}  // namespace
}  // namespace pybcast
