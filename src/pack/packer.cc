#include "pack/packer.h"

#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <memory>

#include "bundle/manifest.h"
#include "pack/bundle_reader.h"
#include "pack/bundle_writer.h"
#include "pack/import_check.h"
#include "pack/pack_sources.h"
#include "pack/shared_libs.h"
#include "tree/prepare_tree.h"
#include "util/cores.h"
#include "util/error.h"
#include "util/output_file.h"
#include "util/paths.h"
#include "util/timer.h"

namespace pybcast {

namespace {

constexpr int kMaxThreads = 256;

struct Suffix {
  const char* text;
  std::optional<Compression> compression;
};
constexpr Suffix kSuffixes[] = {{".tar.zst", Compression::kZstd},
                                {".tzst", Compression::kZstd},
                                {".tar.gz", Compression::kGzip},
                                {".tgz", Compression::kGzip},
                                {".tar", Compression::kNone}};

PackSource collect(const PackOptions& options) {
  switch (options.kind) {
    case PackKind::python: return collect_python(options);
    case PackKind::dist: return collect_dist(options);
    case PackKind::dir: return collect_dir(options);
    case PackKind::env: return collect_env(options);
    case PackKind::pip: return collect_pip(options);
    case PackKind::from_run: return collect_from_run(options);
  }
  fail("unknown pack kind");
}

void add_shared_libraries(PackSource& source) {
  LibrarySearch search = LibrarySearch::from_host();
  search.prefix = source_prefix(source);
  LibraryReport libs = bundle_shared_libraries(source.files, search);
  for (const auto& a : libs.added) source.notes.push_back("added " + a);
  for (const auto& s : libs.still_shared) source.warnings.push_back(s);
  if (!libs.not_found.empty())
    source.warnings.push_back(fmt::format("{} needed librar{} not found: {}", libs.not_found.size(),
                                          libs.not_found.size() == 1 ? "y" : "ies", list_examples(libs.not_found)));
}

/// Unchecked-hash .pyc files next to each source, in __pycache__ as the
/// import system looks for them.
std::unique_ptr<TempDir> add_bytecode(PackSource& source, int threads) {
  if (!source.python) fail("--compile needs the python that will import these files: give --python");
  const PythonInfo& python = *source.python;
  if (python.cache_tag.empty()) fail("python '{}' does not use cached bytecode", python.python);
  auto scratch = std::make_unique<TempDir>("pybcast-pyc-");
  std::vector<CompileJob> jobs;
  std::vector<std::string> members;
  for (const auto& e : source.files.entries()) {
    if (e.type != EntryType::file || !e.member.ends_with(".py") || e.source.empty()) continue;
    std::string dir = parent_path(e.member), name = file_name(e.member);
    std::string pyc = "__pycache__/" + name.substr(0, name.size() - 3) + "." + python.cache_tag + ".pyc";
    members.push_back(dir.empty() ? pyc : dir + "/" + pyc);
    jobs.push_back({e.source, fmt::format("{}/{}.pyc", scratch->path(), jobs.size()), e.member});
  }
  std::vector<std::string> failed = compile_bytecode(python.python, jobs, threads);
  for (size_t i = 0; i < jobs.size(); ++i) {
    struct stat st {};
    if (::stat(jobs[i].output.c_str(), &st) == 0) source.files.put_file(jobs[i].output, members[i]);
  }
  if (!failed.empty())
    source.warnings.push_back(fmt::format("{} file(s) do not compile and are packed as source only: {}", failed.size(),
                                          list_examples(failed)));
  return scratch;
}

/// Bytecode unless --no-compile, wherever the python that imports the
/// files is known and has unchecked-hash .pyc (PEP 552, Python 3.7).
std::unique_ptr<TempDir> maybe_add_bytecode(const PackOptions& options, PackSource& source, int threads) {
  if (!options.compile.value_or(true)) return nullptr;
  bool has_sources = false;
  for (const auto& e : source.files.entries()) has_sources |= e.type == EntryType::file && e.member.ends_with(".py");
  if (!source.python) {
    if (options.compile) fail("--compile needs the python that will import these files: give --python");
    if (has_sources) source.notes.push_back("no bytecode: give --python to compile it for the python that imports it");
    return nullptr;
  }
  const std::string& v = source.python->version_short;
  int major = 0, minor = 0;
  if (std::sscanf(v.c_str(), "%d.%d", &major, &minor) != 2 || major < 3 || (major == 3 && minor < 7)) {
    source.notes.push_back(fmt::format(
        "no bytecode: python {} predates unchecked-hash .pyc files (PEP 552, Python 3.7); it compiles at first import",
        v));
    return nullptr;
  }
  return add_bytecode(source, threads);
}

/// A bundle written inside the tree it packs must not pack itself (nor the
/// bundle it replaces).
void drop_output(PackSource& source, const OutputFile& out) {
  struct stat temp {};
  struct stat old {};
  ::fstat(out.fd(), &temp);
  bool replacing = ::stat(out.path().c_str(), &old) == 0;
  source.files.remove_if([&](const PackEntry& e) {
    std::string name = file_name(e.source);
    if (e.type != EntryType::file || (name != file_name(out.temp_path()) && name != file_name(out.path())))
      return false;
    struct stat st {};
    if (::stat(e.source.c_str(), &st) != 0) return false;
    auto same = [&](const struct stat& o) { return st.st_dev == o.st_dev && st.st_ino == o.st_ino; };
    return same(temp) || (replacing && same(old));
  });
}

Manifest finish_manifest(Manifest m, const std::vector<PackEntry>& entries, const std::string& name) {
  m.name = name;
  m.dirs.emplace();
  for (const auto& e : entries) {
    if (e.type == EntryType::directory) {
      m.dirs->push_back(e.member);
      continue;
    }
    m.entries.push_back({e.member, e.size, e.xxh3, e.link});
    m.unpacked_bytes += e.size;
  }
  m.files = m.entries.size();
  return m;
}

/// SOURCE_DATE_EPOCH when set (the reproducible-builds convention), else 0.
int64_t member_mtime() {
  const char* epoch = std::getenv("SOURCE_DATE_EPOCH");
  if (epoch == nullptr || *epoch == '\0') return 0;
  char* end = nullptr;
  long long value = std::strtoll(epoch, &end, 10);
  if (*end != '\0' || value < 0) fail("SOURCE_DATE_EPOCH='{}' is not a number of seconds", epoch);
  return value;
}

CompressionOptions compression(const PackOptions& options) {
  CompressionOptions c;
  c.kind = options.format.value_or(compression_for_name(options.output).value_or(Compression::kZstd));
  c.level = options.level == 0 ? default_level(c.kind) : options.level;
  if (c.kind != Compression::kNone && (c.level < 1 || c.level > max_level(c.kind)))
    fail("--level {}: {} takes 1 to {}", options.level, compression_name(c.kind), max_level(c.kind));
  int cores = static_cast<int>(available_cores());  // the job's CPU set, not the machine's
  c.threads = std::min(options.threads > 0 ? options.threads : cores, kMaxThreads);
  return c;
}

}  // namespace

std::optional<Compression> compression_for_name(const std::string& output) {
  for (const auto& s : kSuffixes)
    if (output.ends_with(s.text)) return s.compression;
  return std::nullopt;
}

std::string bundle_name_for(const std::string& output) {
  std::string name = file_name(output);
  for (const auto& s : kSuffixes)
    if (name.ends_with(s.text) && name.size() > std::string_view(s.text).size()) {
      name.resize(name.size() - std::string_view(s.text).size());
      break;
    }
  return name;
}

/// `pack dist`: imports what was packed, isolated; a warning names what is
/// missing and the command that adds it. A warning, not an error: the set is
/// often completed by bundles staged beside it that the check is not told
/// of (--with names them), and the bundle written is still what was asked.
void check_packed_imports(const PackOptions& options, PackSource& source, const Manifest& manifest) {
  ImportCheck check =
      check_bundle_imports(source.python->python, options.output, manifest, options.with, source.imports);
  std::string line = fmt::format("pybcast pack dist --python {} -o {}{} {}", source.python->python, options.output,
                                 options.deps ? " --deps" : "", fmt::join(options.targets, " "));
  if (std::string w = describe_import_check(check, line); !w.empty()) source.warnings.push_back(w);
  else source.notes.push_back(fmt::format("import check: {} import on their own", fmt::join(source.imports, ", ")));
}

PackResult pack(const PackOptions& options) {
  Stopwatch clock;
  CompressionOptions c = compression(options);
  int64_t mtime = member_mtime();
  OutputFile out(options.output);  // first, so an unwritable output fails before any work

  PackSource source = collect(options);
  drop_output(source, out);
  source.manifest.links = settle_links(source);
  add_shared_libraries(source);
  auto elf_copies = std::make_unique<TempDir>("pybcast-elf-");
  relocate_runpaths(source, *elf_copies);
  std::unique_ptr<TempDir> bytecode = maybe_add_bytecode(options, source, c.threads);
  for (const auto& w : source.files.warnings()) source.warnings.push_back(w);

  std::vector<PackEntry> entries = source.files.entries();
  uint64_t files = 0, bytes = 0;
  for (const auto& e : entries) {
    if (e.type != EntryType::file) continue;
    ++files;
    bytes += e.size;
  }
  {
    Progress progress(options.progress, "hashing", files, bytes);
    hash_entries(entries, c.threads, progress);
  }
  Manifest manifest =
      finish_manifest(source.manifest, entries, options.name.empty() ? bundle_name_for(options.output) : options.name);

  FrameCompressor compressor(c, out.fd(), out.path());
  {
    Progress progress(options.progress, "packing", files, manifest.unpacked_bytes);
    write_tar(compressor, manifest_to_json(manifest), entries, mtime, progress);
    compressor.finish();
  }
  out.commit();
  if (options.kind == PackKind::dist && options.check && source.python && !source.imports.empty())
    check_packed_imports(options, source, manifest);
  return {options.output,  manifest.files,          manifest.unpacked_bytes,   compressor.bytes_out(),
          clock.seconds(), std::move(source.notes), std::move(source.warnings)};
}

}  // namespace pybcast
