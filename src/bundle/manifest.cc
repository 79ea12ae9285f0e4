#include "bundle/manifest.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "util/error.h"
#include "util/hash.h"

namespace pybcast {

namespace {

using nlohmann::json;

std::string optional_string(const json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return {};
  return it->get<std::string>();
}

// A size or count: a non-negative integer that fits in 64 bits. nlohmann reads
// larger numbers as doubles, and converting those (or negatives) is undefined
// or wrong, so they are refused here (found by fuzzing).
uint64_t count(const json& object, const char* key) {
  const json& value = object.at(key);
  if (!value.is_number_unsigned()) fail("manifest: '{}' is not an integer from 0 to 2^64-1: {}", key, value.dump());
  return value.get<uint64_t>();
}

constexpr const char* kSelfHashPlaceholder = "0000000000000000";

std::string self_hash_field(const std::string& value) { return "\"self_xxh3\": \"" + value + "\""; }

/// A manifest that states its own hash must have it (older ones do not state one).
void check_self_hash(std::string_view text, const json& j) {
  auto it = j.find("self_xxh3");
  if (it == j.end()) return;
  std::string stated = it->get<std::string>();
  std::string zeroed(text);
  size_t at = zeroed.find(self_hash_field(stated));
  if (at == std::string::npos) fail("manifest: its self_xxh3 field is not where pack writes it");
  zeroed.replace(at, self_hash_field(stated).size(), self_hash_field(kSelfHashPlaceholder));
  std::string actual = hex64(hash64(std::as_bytes(std::span(zeroed))));
  if (actual != stated) fail("manifest: damaged: its text hashes to xxh3 {}, it says {}", actual, stated);
}

std::vector<std::string> bounded(const std::vector<std::string>& items) {
  return {items.begin(), items.begin() + static_cast<long>(std::min(items.size(), kManifestListedLinks))};
}

std::vector<std::string> string_list(const json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end()) return {};
  auto items = it->get<std::vector<std::string>>();
  if (items.size() > kManifestListedLinks)
    fail("manifest: links.{} lists more than {} names", key, kManifestListedLinks);
  return items;
}

ManifestLinks parse_links(const json& l) {
  if (!l.is_object()) fail("manifest: 'links' is not an object");
  return {count(l, "inside"),
          count(l, "system"),
          count(l, "replaced"),
          count(l, "dangling"),
          string_list(l, "system_links"),
          string_list(l, "replaced_links"),
          string_list(l, "dangling_links")};
}

ManifestCaches parse_caches(const json& c) {
  if (!c.is_object()) fail("manifest: 'caches' is not an object");
  ManifestCaches caches{
      optional_string(c, "machine"), optional_string(c, "host"), count(c, "nodes"), count(c, "differing"), {}};
  for (const json& k : c.at("kinds")) {
    ManifestCache cache{k.at("name").get<std::string>(), optional_string(k, "variable"), count(k, "files"),
                        count(k, "bytes")};
    // It names a directory the launcher writes into: one plain component.
    if (cache.name.empty() || cache.name.find('/') != std::string::npos || cache.name == "." || cache.name == "..")
      fail("manifest: caches.kinds has a name that is not one directory name: '{}'", cache.name);
    caches.kinds.push_back(std::move(cache));
  }
  return caches;
}

}  // namespace

std::string manifest_to_json(const Manifest& m) {
  json entries = json::array();
  for (const auto& e : m.entries) {
    json entry = {{"path", e.path}, {"size", e.size}};
    // A tree staged as it is is not hashed ahead of the stream: no xxh3.
    if (!e.xxh3.empty()) entry["xxh3"] = e.xxh3;
    if (!e.link.empty()) entry["link"] = e.link;
    entries.push_back(std::move(entry));
  }
  json j = {
      {"format", m.format},
      {"name", m.name},
      {"kind", m.kind},
      {"versions", m.versions},
      {"python", {{"version", m.python.version}, {"abi", m.python.abi}, {"implementation", m.python.implementation}}},
      {"layout",
       {{"executable", m.layout.executable},
        {"libpython", m.layout.libpython},
        {"stdlib", m.layout.stdlib},
        {"purelib", m.layout.purelib},
        {"platlib", m.layout.platlib},
        {"source_prefix", m.layout.source_prefix}}},
      {"files", m.files},
      {"unpacked_bytes", m.unpacked_bytes},
      {"entries", entries},
  };
  if (m.dirs) j["dirs"] = *m.dirs;
  if (m.links) {
    const ManifestLinks& l = *m.links;
    j["links"] = {{"inside", l.inside},
                  {"system", l.system},
                  {"replaced", l.replaced},
                  {"dangling", l.dangling},
                  {"system_links", bounded(l.system_links)},
                  {"replaced_links", bounded(l.replaced_links)},
                  {"dangling_links", bounded(l.dangling_links)}};
  }
  if (m.caches) {
    json kinds = json::array();
    for (const auto& k : m.caches->kinds)
      kinds.push_back({{"name", k.name}, {"variable", k.variable}, {"files", k.files}, {"bytes", k.bytes}});
    j["caches"] = {{"machine", m.caches->machine},
                   {"host", m.caches->host},
                   {"nodes", m.caches->nodes},
                   {"differing", m.caches->differing},
                   {"kinds", kinds}};
  }
  // Its own hash, so that damage to the manifest itself is found where no
  // compression checksums it (a plain tar bundle): the text's xxh3 with
  // this field's value zeroed.
  j["self_xxh3"] = kSelfHashPlaceholder;
  std::string text = j.dump(1) + "\n";
  size_t at = text.find(self_hash_field(kSelfHashPlaceholder));
  std::string digest = hex64(hash64(std::as_bytes(std::span(text))));
  text.replace(at, self_hash_field(kSelfHashPlaceholder).size(), self_hash_field(digest));
  return text;
}

Manifest parse_manifest(std::string_view text) {
  Manifest m;
  try {
    json j = json::parse(text);
    if (!j.is_object()) fail("manifest: not a JSON object");
    check_self_hash(text, j);
    m.format = j.at("format").get<std::string>();
    if (m.format != kManifestFormat) fail("manifest: unsupported format '{}' (expected {})", m.format, kManifestFormat);
    m.name = j.at("name").get<std::string>();
    m.kind = optional_string(j, "kind");
    if (j.contains("versions")) m.versions = j.at("versions").get<std::map<std::string, std::string>>();
    if (j.contains("python")) {
      const json& p = j.at("python");
      m.python = {optional_string(p, "version"), optional_string(p, "abi"), optional_string(p, "implementation")};
    }
    if (j.contains("layout")) {
      const json& l = j.at("layout");
      m.layout = {optional_string(l, "executable"), optional_string(l, "libpython"),
                  optional_string(l, "stdlib"),     optional_string(l, "purelib"),
                  optional_string(l, "platlib"),    optional_string(l, "source_prefix")};
      // The launcher loads and runs what these name: member paths, inside the prefix.
      for (const auto& [field, value] : {std::pair{"executable", &m.layout.executable},
                                         {"libpython", &m.layout.libpython},
                                         {"stdlib", &m.layout.stdlib},
                                         {"purelib", &m.layout.purelib},
                                         {"platlib", &m.layout.platlib}})
        if (!is_inside_path(*value))
          fail("manifest: layout.{} '{}' is not a path inside the bundle (relative, without '..')", field, *value);
    }
    if (j.contains("links")) m.links = parse_links(j.at("links"));
    if (j.contains("caches")) m.caches = parse_caches(j.at("caches"));
    if (j.contains("dirs")) m.dirs = j.at("dirs").get<std::vector<std::string>>();
    m.files = count(j, "files");
    m.unpacked_bytes = count(j, "unpacked_bytes");
    uint64_t total = 0;
    for (const auto& e : j.at("entries")) {
      ManifestEntry entry{e.at("path").get<std::string>(), count(e, "size"), optional_string(e, "xxh3"),
                          optional_string(e, "link")};
      if (entry.size > m.unpacked_bytes - std::min(total, m.unpacked_bytes))
        fail("manifest: entry sizes add up to more than unpacked_bytes ({})", m.unpacked_bytes);
      total += entry.size;
      m.entries.push_back(std::move(entry));
    }
  } catch (const json::exception& e) {
    fail("manifest: {}", e.what());
  }
  return m;
}

bool is_inside_path(std::string_view path) {
  if (path.empty()) return true;
  if (path.front() == '/' || path.find('\0') != std::string_view::npos) return false;
  for (size_t start = 0; start <= path.size();) {
    size_t slash = std::min(path.find('/', start), path.size());
    if (path.substr(start, slash - start) == "..") return false;
    start = slash + 1;
  }
  return true;
}

}  // namespace pybcast
