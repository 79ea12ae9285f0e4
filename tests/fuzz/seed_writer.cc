// Writes the fuzz targets' seed corpora: OUT/extract (bundles built with
// tests/unit's ArchiveBuilder in every compression, hostile ones, merges of
// several bundles, broken streams), OUT/member_path and OUT/manifest.
// Usage: fuzz_seed_writer OUT   |   fuzz_seed_writer --outside
#include <sys/stat.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "archive_builder.h"
#include "bundle/manifest.h"
#include "fuzz_common.h"

namespace {

using namespace pybcast;
using testing::ArchiveBuilder;
using testing::Filter;

std::string g_out;

void write(const std::string& corpus, const std::string& name, const std::string& bytes) {
  std::ofstream(g_out + "/" + corpus + "/" + name, std::ios::binary) << bytes;
}

std::string bundle(const ArchiveBuilder& archive, Filter filter = Filter::kNone) {
  return testing::to_string(archive.build(filter));
}

std::string merged(const std::vector<std::string>& bundles) {
  std::string joined;
  for (const auto& b : bundles) joined += (joined.empty() ? "" : std::string(fuzz::kBundleSeparator)) + b;
  return joined;
}

std::string sample_manifest(uint64_t unpacked) {
  Manifest m;
  m.name = "numpy";
  m.kind = "dist";
  m.versions = {{"numpy", "1.24.2"}};
  m.python = {"3.11.2", "cpython-311-x86_64-linux-gnu", "cpython"};
  m.layout.purelib = "lib/python3/dist-packages";
  m.entries = {{"lib/python3/dist-packages/numpy/__init__.py", 3, "0123456789abcdef", ""},
               {"lib/python3/dist-packages/numpy/link.py", 11, "", "__init__.py"}};
  m.files = m.entries.size();
  m.unpacked_bytes = unpacked;
  return manifest_to_json(m);
}

void extract_seeds() {
  const std::string outside = fuzz::kOutside;
  ArchiveBuilder tree;
  tree.dir("pkg", 0755, 1600000000)
      .file("pkg/__init__.py", "print('hi')\n", 0644, 1600000001)
      .file("pkg/tool", "#!/bin/sh\n", 0755)
      .dir("pkg/ro", 0555)
      .file("pkg/ro/inside", "x")
      .symlink("pkg/link.py", "__init__.py")
      .symlink("pkg/site.py", "/etc/python3.11/sitecustomize.py")
      .hardlink("pkg/hard.py", "pkg/__init__.py");
  const std::pair<const char*, Filter> filters[] = {
      {"tar", Filter::kNone},  {"tar.gz", Filter::kGzip},   {"tar.zst", Filter::kZstd},
      {"tar.xz", Filter::kXz}, {"tar.bz2", Filter::kBzip2}, {"tar.zst-checked", Filter::kZstdChecked}};
  for (const auto& [suffix, filter] : filters) {
    write("extract", std::string("tree.") + suffix, bundle(tree, filter));
    std::string gz = bundle(tree, filter);
    write("extract", std::string("truncated.") + suffix, gz.substr(0, gz.size() / 2));
    gz[gz.size() / 2] ^= 0x5a;
    write("extract", std::string("flipped.") + suffix, gz);
  }

  const std::pair<const char*, ArchiveBuilder> hostile[] = {
      {"dotdot", ArchiveBuilder().file("../x", "x")},
      {"deep_dotdot", ArchiveBuilder().dir("a").file("a/b/../../../x", "x")},
      {"absolute", ArchiveBuilder().file(outside + "/abs", "x")},
      {"through_symlink", ArchiveBuilder().symlink("out", outside).file("out/evil", "x")},
      {"through_relative_symlink", ArchiveBuilder().dir("d").symlink("d/up", "../..").file("d/up/escaped", "x")},
      {"chain_two_hops", ArchiveBuilder().dir("a").symlink("a/one", "../b").symlink("b", "..").file("a/one/x", "x")},
      {"dir_through_symlink", ArchiveBuilder().symlink("s", outside).dir("s/d")},
      {"hardlink_outside", ArchiveBuilder().hardlink("h", "../x")},
      {"hardlink_absolute", ArchiveBuilder().hardlink("h", outside + "/target")},
      {"hardlink_missing", ArchiveBuilder().hardlink("h", "later").file("later", "x")},
      {"hardlink_through_symlink", ArchiveBuilder().symlink("s", outside).hardlink("h", "s/target")},
      {"hardlink_to_symlink", ArchiveBuilder().symlink("s", outside).hardlink("h", "s")},
      {"char_device", ArchiveBuilder().special("dev", AE_IFCHR)},
      {"block_device", ArchiveBuilder().special("blk", AE_IFBLK)},
      {"fifo", ArchiveBuilder().special("fifo", AE_IFIFO)},
      {"setuid", ArchiveBuilder().file("suid", "x", 06755).dir("sgid", 03775)},
      {"file_over_nonempty_dir", ArchiveBuilder().dir("d").file("d/f", "x").file("d", "y")},
      {"dir_and_file_swap", ArchiveBuilder().dir("d").file("d", "now a file").file("f", "x").dir("f")},
      {"symlink_then_file", ArchiveBuilder().symlink("f", outside + "/victim").file("f", "replaced")},
      {"duplicates", ArchiveBuilder().file("a", "1").file("a", "2").dir("a").symlink("a", "b").file("./a", "3")},
      {"long_name", ArchiveBuilder().file(std::string(300, 'n'), "x")},
      {"long_path", ArchiveBuilder().file(std::string(2100, 'a') + "/" + std::string(2100, 'b'), "x")},
      {"deep", ArchiveBuilder().file(
                   [] {
                     std::string p;
                     for (int i = 0; i < 600; ++i) p += "d/";
                     return p + "f";
                   }(),
                   "x")},
      {"read_only_dir_then_child",
       ArchiveBuilder().dir("ro", 0500).file("ro/x", "x").dir("ro/sub", 0).file("ro/sub/y", "y")},
      {"zero_entries", ArchiveBuilder()},
      {"manifest", ArchiveBuilder().file(".pybcast/manifest.json", sample_manifest(14)).file("x", "x")},
      {"manifest_bomb",
       ArchiveBuilder().file(".pybcast/manifest.json", sample_manifest(uint64_t{1} << 60)).file("x", "x")},
      {"manifest_malformed", ArchiveBuilder().file(".pybcast/manifest.json", "{nope")},
      {"manifest_symlink", ArchiveBuilder().dir(".pybcast").symlink(".pybcast/manifest.json", outside + "/m")},
  };
  for (const auto& [name, archive] : hostile) {
    try {
      write("extract", std::string(name) + ".tar", bundle(archive));
    } catch (const std::exception& e) {
      std::fprintf(stderr, "seed %s not written: libarchive refused it: %s\n", name, e.what());
    }
  }

  // Several bundles merged in order: a later bundle meets what an earlier one left.
  write("extract", "merge_through_symlink",
        merged({bundle(ArchiveBuilder().symlink("lib", outside)),
                bundle(ArchiveBuilder().file("lib/x", "x"), Filter::kGzip)}));
  write("extract", "merge_into_read_only_dir",
        merged({bundle(ArchiveBuilder().dir("d", 0555).file("d/a", "a")), bundle(ArchiveBuilder().file("d/b", "b"))}));
  write("extract", "merge_file_then_dir",
        merged({bundle(ArchiveBuilder().file("a", "a"), Filter::kZstd), bundle(ArchiveBuilder().dir("a/b"))}));
  write("extract", "merge_hardlink_to_earlier",
        merged({bundle(ArchiveBuilder().file("a", "a")), bundle(ArchiveBuilder().hardlink("b", "a"), Filter::kXz)}));
  write("extract", "merge_manifests",
        merged({bundle(ArchiveBuilder().file(".pybcast/manifest.json", sample_manifest(14))),
                bundle(ArchiveBuilder().file("./.pybcast/manifest.json", sample_manifest(14)), Filter::kBzip2)}));
  write("extract", "text", std::string(100, 't'));
  write("extract", "empty", "");
}

void member_path_seeds() {
  const std::string sep(1, fuzz::kNameTargetSeparator);
  const std::string names[] = {
      "a/b/c",
      "./a//b/",
      "../x",
      "/abs",
      "a/../b",
      "a/./b",
      "",
      ".",
      "./",
      "a/",
      std::string(255, 'n'),
      std::string(256, 'n'),
      std::string(4095, 'a'),
      "lib/x" + sep + "../../y",
      "a/b/c" + sep + "../..",
      "l" + sep + "/etc",
      "d/l" + sep + "./../d/../..",
      "d/e/l" + sep + "../x/../../..",
      "l" + sep + "..",
      "l" + sep + ".",
      "l" + sep + "",
      "a/b/l" + sep + "..//..///../",
      "caf\xe9" + sep + "\xff/../..",
  };
  for (size_t i = 0; i < std::size(names); ++i) write("member_path", "seed" + std::to_string(i), names[i]);
}

void manifest_seeds() {
  write("manifest", "full", sample_manifest(14));
  write("manifest", "too_small", sample_manifest(13));
  write("manifest", "huge", sample_manifest(UINT64_MAX));
  write("manifest", "minimal", R"({"format":"pybcast-bundle/1","name":"x","files":0,"unpacked_bytes":0,"entries":[]})");
  write("manifest", "wrong_format",
        R"({"format":"pybcast-bundle/2","name":"x","files":0,"unpacked_bytes":0,"entries":[]})");
  write("manifest", "nulls",
        R"({"format":"pybcast-bundle/1","name":"x","kind":null,"python":{"abi":null},"layout":null,"files":1,)"
        R"("unpacked_bytes":1,"entries":[{"path":"a","size":1,"xxh3":null}]})");
  write("manifest", "wrong_types",
        R"({"format":"pybcast-bundle/1","name":7,"files":-1,"unpacked_bytes":"1","entries":{}})");
  write("manifest", "deep", std::string(5000, '[') + std::string(5000, ']'));
  write("manifest", "not_json", "{nope");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && std::string(argv[1]) == "--outside") {
    std::puts(fuzz::kOutside);
    return 0;
  }
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUT | --outside\n", argv[0]);
    return 2;
  }
  g_out = argv[1];
  for (const char* corpus : {"extract", "member_path", "manifest"}) ::mkdir((g_out + "/" + corpus).c_str(), 0755);
  extract_seeds();
  member_path_seeds();
  manifest_seeds();
  return 0;
}
