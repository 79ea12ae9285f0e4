#include "bundle/manifest.h"

#include <gtest/gtest.h>

#include "util/error.h"

namespace pybcast {
namespace {

Manifest sample() {
  Manifest m;
  m.name = "python-3.11";
  m.kind = "python";
  m.versions = {{"python", "3.11.2"}};
  m.python = {"3.11.2", "cpython-311-x86_64-linux-gnu", "cpython"};
  m.layout.executable = "bin/python3.11";
  m.layout.libpython = "lib/x86_64-linux-gnu/libpython3.11.so.1.0";
  m.layout.stdlib = "lib/python3.11";
  m.entries = {{"bin/python3", 0, "", "python3.11"}, {"bin/python3.11", 10, "0123456789abcdef", ""}};
  m.files = 2;
  m.unpacked_bytes = 10;
  return m;
}

TEST(Manifest, RoundTripsIncludingSymlinks) {
  Manifest m = parse_manifest(manifest_to_json(sample()));
  EXPECT_EQ(m.format, "pybcast-bundle/1");
  EXPECT_EQ(m.name, "python-3.11");
  EXPECT_EQ(m.python.abi, "cpython-311-x86_64-linux-gnu");
  EXPECT_EQ(m.layout.libpython, "lib/x86_64-linux-gnu/libpython3.11.so.1.0");
  ASSERT_EQ(m.entries.size(), 2u);
  EXPECT_EQ(m.entries[0].link, "python3.11");
  EXPECT_EQ(m.entries[1].xxh3, "0123456789abcdef");
  EXPECT_EQ(m.entries[1].link, "");
  // Regular files carry no "link" key: readers of the first version see what they expect.
  EXPECT_EQ(manifest_to_json(sample()).find("\"link\": \"\""), std::string::npos);
}

TEST(Manifest, ReadsManifestsWithoutLinks) {
  Manifest m = parse_manifest(R"({"format": "pybcast-bundle/1", "name": "n", "files": 1, "unpacked_bytes": 3,
                                  "entries": [{"path": "a", "size": 3, "xxh3": "0000000000000001"}]})");
  EXPECT_EQ(m.entries.at(0).link, "");
}

TEST(Manifest, RoundTripsWhatPackDidWithSymlinks) {
  Manifest m = sample();
  EXPECT_EQ(manifest_to_json(m).find("\"links\""), std::string::npos);  // none said, none written
  m.links = ManifestLinks{3, 1, 1, 1, {"lib/libz.so -> /usr/lib/libz.so.1"}, {"lib/data -> /opt/data"}, {"x -> y"}};
  Manifest back = parse_manifest(manifest_to_json(m));
  ASSERT_TRUE(back.links.has_value());
  EXPECT_EQ(back.links->inside, 3u);
  EXPECT_EQ(back.links->dangling, 1u);
  EXPECT_EQ(back.links->system_links, m.links->system_links);
  EXPECT_EQ(back.links->replaced_links, m.links->replaced_links);
  EXPECT_EQ(back.links->dangling_links, m.links->dangling_links);
  EXPECT_FALSE(parse_manifest(manifest_to_json(sample())).links.has_value());
}

TEST(Manifest, BoundsTheListedLinks) {
  Manifest m = sample();
  m.links = ManifestLinks{};
  m.links->replaced = 1000;
  m.links->replaced_links.assign(1000, "a -> b");
  EXPECT_EQ(parse_manifest(manifest_to_json(m)).links->replaced_links.size(), kManifestListedLinks);
}

TEST(Manifest, RefusesMalformedLinks) {
  const char* head = R"({"format": "pybcast-bundle/1", "name": "n", "files": 0, "unpacked_bytes": 0, "entries": [], )";
  for (const char* bad : {R"("links": [])", R"("links": {"inside": 1})",
                          R"("links": {"inside": -1, "system": 0, "replaced": 0, "dangling": 0})",
                          R"("links": {"inside": 0, "system": 0, "replaced": 0, "dangling": 0, "system_links": [1]})"})
    EXPECT_THROW(parse_manifest(std::string(head) + bad + "}"), Error) << bad;
}

TEST(Manifest, RefusesOtherFormatsAndInconsistentSizes) {
  EXPECT_THROW(parse_manifest(R"({"format": "pybcast-bundle/2", "name": "n", "files": 0, "unpacked_bytes": 0,
                                  "entries": []})"),
               Error);
  EXPECT_THROW(parse_manifest(R"({"format": "pybcast-bundle/1", "name": "n", "files": 1, "unpacked_bytes": 1,
                                  "entries": [{"path": "a", "size": 2}]})"),
               Error);
  EXPECT_THROW(parse_manifest("[]"), Error);
  EXPECT_THROW(parse_manifest("{"), Error);
}

// Issue 18, C14: the launcher loads and runs what layout.* names.
TEST(Manifest, LayoutPathsStayInsideTheBundle) {
  for (const char* bad : {"/usr/lib/libpython3.11.so", "../../../usr/lib/libpython3.11.so", "lib/../../x", ".."}) {
    Manifest m = sample();
    m.layout.libpython = bad;
    try {
      parse_manifest(manifest_to_json(m));
      ADD_FAILURE() << bad << " accepted";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("layout.libpython"), std::string::npos) << e.what();
    }
  }
  Manifest m = sample();
  m.layout.executable = "/bin/sh";
  EXPECT_THROW(parse_manifest(manifest_to_json(m)), Error);
  EXPECT_TRUE(is_inside_path("lib/x86_64-linux-gnu/libpython3.11.so.1.0"));
  EXPECT_TRUE(is_inside_path("lib/..hidden/x"));
  EXPECT_TRUE(is_inside_path(""));
}

// Found by fuzzing: a number beyond 2^64 parses as a double, whose conversion was undefined.
TEST(Manifest, RefusesSizesThatAreNotUnsigned64BitIntegers) {
  for (const char* bad : {"18446744073709551617", "-1", "1.5", "\"3\""}) {
    std::string text = std::string(R"({"format": "pybcast-bundle/1", "name": "n", "files": 0, "unpacked_bytes": )") +
                       bad + R"(, "entries": []})";
    try {
      parse_manifest(text);
      ADD_FAILURE() << bad << " accepted";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("'unpacked_bytes' is not an integer"), std::string::npos) << e.what();
    }
  }
}

// Its own xxh3, so that damage to the manifest itself is found where no
// compression checksums it (a plain tar bundle); manifests of older packs,
// without one, are read as before.
TEST(Manifest, StatesItsOwnHashAndADamagedOneIsRefused) {
  std::string text = manifest_to_json(sample());
  EXPECT_NE(text.find("\"self_xxh3\": \""), std::string::npos);
  EXPECT_EQ(manifest_to_json(parse_manifest(text)), text);
  std::string damaged = text;
  damaged[damaged.find("\"name\": \"") + 9] ^= 0x01;
  try {
    parse_manifest(damaged);
    FAIL() << "a damaged manifest was read";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()).rfind("manifest: damaged: its text hashes to xxh3 ", 0), 0u) << e.what();
  }
  std::string older = text;
  older.erase(older.find(",\n \"self_xxh3\""), std::string(",\n \"self_xxh3\": \"0123456789abcdef\"").size());
  EXPECT_EQ(parse_manifest(older).name, sample().name);
}

}  // namespace
}  // namespace pybcast

namespace pybcast {
namespace {

TEST(Manifest, ACachesBundleSaysWhereItWasMadeAndWhatEachKindHolds) {
  Manifest m = sample();
  m.kind = kCachesKind;
  m.caches = ManifestCaches{"x86_64", "c042", 4, 1, {{"numba", "NUMBA_CACHE_DIR", 12, 3456}}};
  Manifest back = parse_manifest(manifest_to_json(m));
  ASSERT_TRUE(back.caches);
  EXPECT_EQ(back.caches->machine, "x86_64");
  EXPECT_EQ(back.caches->host, "c042");
  EXPECT_EQ(back.caches->nodes, 4u);
  EXPECT_EQ(back.caches->differing, 1u);
  ASSERT_EQ(back.caches->kinds.size(), 1u);
  EXPECT_EQ(back.caches->kinds[0].variable, "NUMBA_CACHE_DIR");
  EXPECT_EQ(back.caches->kinds[0].bytes, 3456u);
  EXPECT_FALSE(parse_manifest(manifest_to_json(sample())).caches);
}

TEST(Manifest, ACacheKindMustBeOneDirectoryName) {
  for (const char* name : {"", ".", "..", "../x", "a/b", "/abs"}) {
    Manifest m = sample();
    m.caches = ManifestCaches{"x86_64", "h", 1, 0, {{name, "", 0, 0}}};
    EXPECT_THROW(parse_manifest(manifest_to_json(m)), Error) << name;
  }
}

}  // namespace
}  // namespace pybcast
