#include "util/elf_search_path_edit.h"

#include <cstdlib>
#include <fstream>
#include <iterator>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "test_dir.h"

namespace pybcast {
namespace {

std::string bytes_of(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

bool have(const char* program) { return std::system(fmt::format("command -v {} >/dev/null", program).c_str()) == 0; }

/// A shared library built here with `search` as its RUNPATH (or, with
/// `dtags` "--disable-new-dtags", its RPATH); its copy `name`.c beside it.
std::string build_library(const testing::TestDir& d, const std::string& name, const std::string& search,
                          const std::string& dtags = "--enable-new-dtags") {
  std::string source = d / (name + ".c"), library = d / (name + ".so");
  std::ofstream(source) << "#include <unistd.h>\nint f(void) { return getpid() > 0; }\n";  // needs libc
  std::string command =
      fmt::format("cc -shared -fPIC -o '{}' '{}' -Wl,{} -Wl,-rpath,'{}' 2>&1", library, source, dtags, search);
  EXPECT_EQ(std::system(command.c_str()), 0) << command;
  return library;
}

/// Edits one copy in place and the other with patchelf; both must be byte for byte the same.
void expect_same_as_patchelf(const std::string& library, const std::string& value, const std::string& patchelf_args) {
  std::string ours = library + ".ours", theirs = library + ".patchelf";
  ASSERT_EQ(std::system(fmt::format("cp '{0}' '{1}' && cp '{0}' '{2}'", library, ours, theirs).c_str()), 0);
  auto dyn = read_elf_dynamic(ours);
  ASSERT_TRUE(dyn.has_value());
  ASSERT_TRUE(edit_search_path_in_place(ours, *dyn, value));
  ASSERT_EQ(std::system(fmt::format("patchelf {} '{}'", patchelf_args, theirs).c_str()), 0);
  EXPECT_EQ(bytes_of(ours), bytes_of(theirs)) << "in-place edit and patchelf " << patchelf_args << " differ";
  auto after = read_elf_dynamic(ours);
  ASSERT_TRUE(after.has_value());
  EXPECT_EQ(after->has_runpath ? after->runpath_text : after->rpath_text, value);
}

class ElfSearchPathEdit : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!have("cc") || !have("patchelf")) GTEST_SKIP() << "needs cc and patchelf";
  }
  testing::TestDir d;
};

TEST_F(ElfSearchPathEdit, ShorterRunpathGivesPatchelfsBytes) {
  std::string lib = build_library(d, "short", "/opt/some/long/prefix/lib:/usr/lib/extra");
  expect_same_as_patchelf(lib, "$ORIGIN/../lib:/usr/lib/extra", "--set-rpath '$ORIGIN/../lib:/usr/lib/extra'");
}

TEST_F(ElfSearchPathEdit, SameLengthRunpathGivesPatchelfsBytes) {
  std::string lib = build_library(d, "same", "/abcdefghijklmn");
  expect_same_as_patchelf(lib, "$ORIGIN/../lib0", "--set-rpath '$ORIGIN/../lib0'");
}

TEST_F(ElfSearchPathEdit, RpathStaysRpathAsWithForceRpath) {
  std::string lib = build_library(d, "rpath", "/opt/some/long/prefix/lib", "--disable-new-dtags");
  ASSERT_TRUE(read_elf_dynamic(lib)->has_rpath);
  expect_same_as_patchelf(lib, "$ORIGIN", "--force-rpath --set-rpath '$ORIGIN'");
  EXPECT_TRUE(read_elf_dynamic(lib + ".ours")->has_rpath);
  EXPECT_FALSE(read_elf_dynamic(lib + ".ours")->has_runpath);
}

TEST_F(ElfSearchPathEdit, RemovingGivesPatchelfsBytes) {
  std::string lib = build_library(d, "remove", "/opt/some/long/prefix/lib");
  expect_same_as_patchelf(lib, "", "--remove-rpath");
  auto before = read_elf_dynamic(lib), after = read_elf_dynamic(lib + ".ours");
  EXPECT_FALSE(after->has_runpath || after->has_rpath);
  EXPECT_FALSE(after->needed.empty());
  EXPECT_EQ(after->needed, before->needed);
}

TEST_F(ElfSearchPathEdit, LongerTextIsLeftToPatchelfAndTheFileUntouched) {
  std::string lib = build_library(d, "longer", "/p");
  std::string before = bytes_of(lib);
  auto dyn = read_elf_dynamic(lib);
  ASSERT_TRUE(dyn.has_value());
  EXPECT_FALSE(edit_search_path_in_place(lib, *dyn, "$ORIGIN/../lib"));
  EXPECT_EQ(bytes_of(lib), before);
}

TEST_F(ElfSearchPathEdit, TheEditedLibraryStillLoads) {
  std::string lib = build_library(d, "loads", "/opt/some/long/prefix/lib");
  auto dyn = read_elf_dynamic(lib);
  ASSERT_TRUE(edit_search_path_in_place(lib, *dyn, "$ORIGIN"));
  std::string main_c = d / "main.c", exe = d / "main";
  std::ofstream(main_c) << "int f(void); int main(void) { return f() == 1 ? 0 : 1; }\n";
  std::string command =
      fmt::format("cc -o '{0}' '{1}' -L'{2}' -l:loads.so -Wl,-rpath,'{2}' && '{0}'", exe, main_c, d.path());
  EXPECT_EQ(std::system(command.c_str()), 0) << command;
}

}  // namespace
}  // namespace pybcast
