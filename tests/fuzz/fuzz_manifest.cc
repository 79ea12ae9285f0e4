// Bundle manifest text -> parse_manifest. Invariants: malformed input is a
// pybcast::Error (never another exception, a crash or a hang); an accepted
// manifest has the expected format, entry sizes that fit unpacked_bytes, and
// survives manifest_to_json -> parse_manifest unchanged.
#include <string>
#include <string_view>

#include "bundle/manifest.h"
#include "fuzz_common.h"
#include "util/error.h"

namespace {

using namespace pybcast;

bool same(const Manifest& a, const Manifest& b) {
  auto entries_equal = [](const ManifestEntry& x, const ManifestEntry& y) {
    return x.path == y.path && x.size == y.size && x.xxh3 == y.xxh3 && x.link == y.link;
  };
  if (a.entries.size() != b.entries.size()) return false;
  for (size_t i = 0; i < a.entries.size(); ++i)
    if (!entries_equal(a.entries[i], b.entries[i])) return false;
  const ManifestLayout &l = a.layout, &m = b.layout;
  return a.format == b.format && a.name == b.name && a.kind == b.kind && a.versions == b.versions &&
         a.python.version == b.python.version && a.python.abi == b.python.abi &&
         a.python.implementation == b.python.implementation && l.executable == m.executable &&
         l.libpython == m.libpython && l.stdlib == m.stdlib && l.purelib == m.purelib && l.platlib == m.platlib &&
         l.source_prefix == m.source_prefix && a.files == b.files && a.unpacked_bytes == b.unpacked_bytes;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  Manifest manifest;
  try {
    manifest = parse_manifest(text);
  } catch (const Error&) {
    return 0;
  }
  if (manifest.format != kManifestFormat) fuzz::die("accepted format '" + manifest.format + "'");
  uint64_t total = 0;
  for (const auto& e : manifest.entries) {
    if (e.size > manifest.unpacked_bytes - total) fuzz::die("entry sizes exceed unpacked_bytes");
    total += e.size;
  }
  std::string json = manifest_to_json(manifest);
  Manifest again;
  try {
    again = parse_manifest(json);
  } catch (const Error& e) {
    fuzz::die(std::string("our own JSON does not parse: ") + e.what() + "\n" + json);
  }
  if (!same(manifest, again)) fuzz::die("manifest changed through manifest_to_json:\n" + json);
  return 0;
}
